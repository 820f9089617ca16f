package io.streamalign.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures of one scenario run, written as {@code <scenario>.json} and {@code <scenario>.md}. */
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

    /** A measured object kept for the run's document (e.g. the trainer profile), not written to the files. */
    public BenchReport attach(String key, Object value) {
        attachments.put(key, value);
        return this;
    }

    public Object attachment(String key) { return attachments.get(key); }

    public java.util.Map<String, String> sections() { return java.util.Collections.unmodifiableMap(sections); }
    public BenchOptions options() { return options; }
    public String scenario() { return scenario; }
    public List<Figure> figures() { return List.copyOf(figures); }
    public List<String> notes() { return List.copyOf(notes); }
    public Machine machine() { return machine; }
    public Instant date() { return date; }

    /** The Markdown table: one row per figure. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(scenario).append(options.quick() ? " (quick)" : "").append("\n\n");
        sb.append("| figure | value | baseline | ratio | goal | machine | date |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Figure f : figures) {
            String goal = f.goal().isEmpty() ? "-" : f.goal() + (f.goalMet() == null ? "" : f.goalMet() ? " (met)" : " (NOT met)");
            String base = Double.isNaN(f.baseline()) ? "-" : num(f.baseline()) + " " + f.unit() + " (" + f.baselineName() + ")";
            sb.append("| ").append(f.name())
                    .append(" | ").append(num(f.value())).append(' ').append(f.unit())
                    .append(" | ").append(base)
                    .append(" | ").append(Double.isNaN(f.ratio()) ? "-" : num(f.ratio()))
                    .append(" | ").append(goal)
                    .append(" | ").append(machine.cell())
                    .append(" | ").append(date)
                    .append(" |\n");
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String n : notes) sb.append("- ").append(n).append('\n');
        }
        sections.forEach((title, md) -> sb.append("\n### ").append(title).append("\n\n").append(md));
        return sb.toString();
    }

    /** The same figures as a JSON object. */
    public String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"scenario\": ").append(str(scenario))
                .append(",\n  \"quick\": ").append(options.quick())
                .append(",\n  \"device\": ").append(str(options.device()))
                .append(",\n  \"date\": ").append(str(date.toString()))
                .append(",\n  \"machine\": {\"cores\": ").append(machine.cores())
                .append(", \"os\": ").append(str(machine.os()))
                .append(", \"java\": ").append(str(machine.java())).append("}")
                .append(",\n  \"figures\": [");
        for (int i = 0; i < figures.size(); i++) {
            Figure f = figures.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"figure\": ").append(str(f.name()))
                    .append(", \"value\": ").append(jnum(f.value()))
                    .append(", \"unit\": ").append(str(f.unit()))
                    .append(", \"baseline\": ").append(jnum(f.baseline()))
                    .append(", \"baselineName\": ").append(str(f.baselineName()))
                    .append(", \"ratio\": ").append(jnum(f.ratio()))
                    .append(", \"goal\": ").append(str(f.goal()))
                    .append(", \"goalMet\": ").append(f.goalMet() == null ? "null" : f.goalMet().toString())
                    .append('}');
        }
        sb.append("\n  ],\n  \"notes\": [");
        for (int i = 0; i < notes.size(); i++) sb.append(i == 0 ? "" : ", ").append(str(notes.get(i)));
        sb.append("],\n  \"sections\": {");
        int k = 0;
        for (var e : sections.entrySet()) sb.append(k++ == 0 ? "" : ", ").append(str(e.getKey())).append(": ").append(str(e.getValue()));
        sb.append("}\n}\n");
        return sb.toString();
    }

    /** Writes both files into the options' output directory; returns the Markdown text. */
    public String write() {
        try {
            Files.createDirectories(options.outDir());
            String md = markdown();
            Files.writeString(options.outDir().resolve(scenario + ".json"), json(), StandardCharsets.UTF_8);
            Files.writeString(options.outDir().resolve(scenario + ".md"), md, StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results of " + scenario + " to " + options.outDir(), e);
        }
    }

    static String num(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a != 0 && (a < 0.01 || a >= 1e6)) return String.format(Locale.ROOT, "%.3e", v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.3f", v);
    }

    private static String jnum(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    static String str(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
