package io.streamalign.bench;

import io.streamalign.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one scenario run, written as {@code <scenario>.json} and {@code <scenario>.md}.
 */
public final class BenchReport {

  private final String scenario;
  private final BenchOptions options;
  private final Machine machine = Machine.current();
  private final Instant date = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final List<Figure> figures = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final java.util.Map<String, String> sections = new java.util.LinkedHashMap<>();
  private final java.util.Map<String, Object> attachments = new java.util.HashMap<>();

  public BenchReport(String scenario, BenchOptions options) {
    this.scenario = scenario;
    this.options = options;
  }

  public BenchReport add(Figure f) {
    figures.add(f);
    return this;
  }

  public BenchReport note(String text) {
    notes.add(text);
    return this;
  }

  /** A titled block of Markdown (e.g. a profile's tables) written after the figures. */
  public BenchReport section(String title, String markdown) {
    sections.put(title, markdown);
    return this;
  }

  /**
   * A measured object kept for the run's document (e.g. the trainer profile), not written to the
   * files.
   */
  public BenchReport attach(String key, Object value) {
    attachments.put(key, value);
    return this;
  }

  public Object attachment(String key) {
    return attachments.get(key);
  }

  public java.util.Map<String, String> sections() {
    return java.util.Collections.unmodifiableMap(sections);
  }

  public BenchOptions options() {
    return options;
  }

  public String scenario() {
    return scenario;
  }

  public List<Figure> figures() {
    return List.copyOf(figures);
  }

  public List<String> notes() {
    return List.copyOf(notes);
  }

  public Machine machine() {
    return machine;
  }

  public Instant date() {
    return date;
  }

  /** The Markdown table: one row per figure. */
  public String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("## ").append(scenario).append(options.quick() ? " (quick)" : "").append("\n\n");
    sb.append("| figure | value | baseline | ratio | goal | machine | date |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (Figure f : figures) {
      String goal =
          f.goal().isEmpty()
              ? "-"
              : f.goal() + (f.goalMet() == null ? "" : f.goalMet() ? " (met)" : " (NOT met)");
      String base =
          Double.isNaN(f.baseline())
              ? "-"
              : num(f.baseline()) + " " + f.unit() + " (" + f.baselineName() + ")";
      sb.append("| ")
          .append(f.name())
          .append(" | ")
          .append(num(f.value()))
          .append(' ')
          .append(f.unit())
          .append(" | ")
          .append(base)
          .append(" | ")
          .append(Double.isNaN(f.ratio()) ? "-" : num(f.ratio()))
          .append(" | ")
          .append(goal)
          .append(" | ")
          .append(machine.cell())
          .append(" | ")
          .append(date)
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      sb.append('\n');
      for (String n : notes) sb.append("- ").append(n).append('\n');
    }
    sections.forEach((title, md) -> sb.append("\n### ").append(title).append("\n\n").append(md));
    return sb.toString();
  }

  /**
   * The same figures as a JSON object (non-finite numbers as {@code null}), written by the shared
   * mapper.
   */
  public String json() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("scenario", scenario);
    doc.put("quick", options.quick());
    doc.put("device", options.device());
    doc.put("date", date.toString());
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("cores", machine.cores());
    host.put("os", machine.os());
    host.put("java", machine.java());
    doc.put("machine", host);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Figure f : figures) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("figure", f.name());
      row.put("value", finite(f.value()));
      row.put("unit", f.unit());
      row.put("baseline", finite(f.baseline()));
      row.put("baselineName", f.baselineName());
      row.put("ratio", finite(f.ratio()));
      row.put("goal", f.goal());
      row.put("goalMet", f.goalMet());
      rows.add(row);
    }
    doc.put("figures", rows);
    doc.put("notes", notes);
    doc.put("sections", sections);
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes both files into the options' output directory; returns the Markdown text. */
  public String write() {
    try {
      Files.createDirectories(options.outDir());
      String md = markdown();
      Files.writeString(
          options.outDir().resolve(scenario + ".json"), json(), StandardCharsets.UTF_8);
      Files.writeString(options.outDir().resolve(scenario + ".md"), md, StandardCharsets.UTF_8);
      return md;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write results of " + scenario + " to " + options.outDir(), e);
    }
  }

  static String num(double v) {
    if (Double.isNaN(v)) return "NaN";
    if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
    double a = Math.abs(v);
    if (a != 0 && (a < 0.01 || a >= 1e6)) return String.format(Locale.ROOT, "%.3e", v);
    return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.3f", v);
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
