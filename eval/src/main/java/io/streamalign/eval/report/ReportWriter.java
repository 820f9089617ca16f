package io.streamalign.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes one protocol's files into the output directory: {@code <name>.md}, {@code <name>.json} and
 * PNG charts, remembering every path written.
 */
public final class ReportWriter {
  private final Path outDir;
  private final String name;
  private final List<Path> files = new ArrayList<>();

  public ReportWriter(Path outDir, String name) throws IOException {
    this.outDir = outDir;
    this.name = name;
    Files.createDirectories(outDir);
  }

  /** Writes {@code <name>.md}. */
  public Path markdown(String text) throws IOException {
    Path p = outDir.resolve(name + ".md");
    Files.writeString(p, text, StandardCharsets.UTF_8);
    files.add(p);
    return p;
  }

  /** Writes {@code <name>.json} (pretty-printed; NaN becomes null). */
  public Path json(Map<String, Object> data) throws IOException {
    Path p = outDir.resolve(name + ".json");
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(p, om.writeValueAsString(sanitize(data)), StandardCharsets.UTF_8);
    files.add(p);
    return p;
  }

  /** A named line series for {@link #lineChart}. */
  public record Series(String label, double[] x, double[] y) {}

  /**
   * Writes a PNG line chart {@code <name>-<suffix>.png} (800x600).
   *
   * @param logX logarithmic x axis
   */
  public Path lineChart(
      String suffix, String title, String xLabel, String yLabel, boolean logX, List<Series> series)
      throws IOException {
    return lineChart(suffix, title, xLabel, yLabel, logX, false, series);
  }

  /**
   * As {@link #lineChart(String, String, String, String, boolean, List)}, optionally with a log y
   * axis.
   */
  public Path lineChart(
      String suffix,
      String title,
      String xLabel,
      String yLabel,
      boolean logX,
      boolean logY,
      List<Series> series)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(600)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    for (Series s : series) {
      XYSeries xy = chart.addSeries(s.label(), s.x(), s.y());
      xy.setMarker(SeriesMarkers.CIRCLE);
    }
    Path p = outDir.resolve(name + "-" + suffix + ".png");
    BitmapEncoder.saveBitmap(chart, p.toString(), BitmapEncoder.BitmapFormat.PNG);
    files.add(p);
    return p;
  }

  public List<Path> files() {
    return List.copyOf(files);
  }

  @SuppressWarnings("unchecked")
  private static Object sanitize(Object o) {
    if (o instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? null : d;
    }
    if (o instanceof double[] a) {
      List<Object> l = new ArrayList<>();
      for (double v : a) {
        l.add(sanitize(v));
      }
      return l;
    }
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> r = new LinkedHashMap<>();
      m.forEach((k, v) -> r.put(String.valueOf(k), sanitize(v)));
      return r;
    }
    if (o instanceof List<?> l) {
      List<Object> r = new ArrayList<>();
      l.forEach(v -> r.add(sanitize(v)));
      return r;
    }
    return o;
  }
}
