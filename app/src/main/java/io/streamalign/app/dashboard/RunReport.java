package io.streamalign.app.dashboard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The report of a run: {@code report.md} (summary table) and PNG plots of the learning curves, PMR
 * coefficients, throughput and latency, written from a {@link DashboardState}.
 */
public final class RunReport {

  /**
   * A screenshot of the capture page taken while the run was live (by the browser test, or by a
   * person): when the report folder holds it, the report shows it.
   */
  public static final String CAPTURE_SCREENSHOT = "capture.png";

  private RunReport() {}

  /** Writes the report folder and returns the path of {@code report.md}. */
  public static Path write(DashboardState state, Path dir, Map<String, String> runInfo)
      throws IOException {
    Files.createDirectories(dir);
    List<DashboardState.MetricPoint> pts = state.points();
    long t0 = pts.isEmpty() ? 0 : pts.get(0).timeMs();

    LinePlot acc = new LinePlot("Prequential accuracy", "samples seen");
    TreeSet<String> accKeys = new TreeSet<>();
    pts.forEach(p -> accKeys.addAll(p.accuracy().keySet()));
    for (String k : accKeys) {
      List<double[]> s = new ArrayList<>();
      for (DashboardState.MetricPoint p : pts) {
        Double v = p.accuracy().get(k);
        if (v != null) s.add(new double[] {p.samplesSeen(), v});
      }
      acc.add(k, s);
    }
    acc.write(dir.resolve("accuracy.png"));

    LinePlot pmr = new LinePlot("PMR imbalance ratio and coefficients", "samples seen");
    pmr.add("rho", pts.stream().map(p -> new double[] {p.samplesSeen(), p.rho()}).toList());
    pmr.add("beta", pts.stream().map(p -> new double[] {p.samplesSeen(), p.beta()}).toList());
    pmr.add("gamma", pts.stream().map(p -> new double[] {p.samplesSeen(), p.gamma()}).toList());
    pmr.write(dir.resolve("pmr.png"));

    LinePlot loss = new LinePlot("Losses", "samples seen");
    TreeSet<String> lossKeys = new TreeSet<>();
    pts.forEach(p -> lossKeys.addAll(p.losses().keySet()));
    for (String k : lossKeys) {
      List<double[]> s = new ArrayList<>();
      for (DashboardState.MetricPoint p : pts) {
        Double v = p.losses().get(k);
        if (v != null) s.add(new double[] {p.samplesSeen(), v});
      }
      loss.add(k, s);
    }
    loss.write(dir.resolve("losses.png"));

    new LinePlot("Trainer throughput", "seconds since start")
        .add(
            "samples/s",
            pts.stream()
                .map(p -> new double[] {(p.timeMs() - t0) / 1000.0, p.samplesPerSec()})
                .toList())
        .write(dir.resolve("throughput.png"));

    StringBuilder md = new StringBuilder();
    md.append("# StreamAlign run report\n\n");
    md.append("Written ").append(Instant.now()).append(".\n\n");
    md.append("| item | value |\n|---|---|\n");
    for (Map.Entry<String, String> e : runInfo.entrySet()) {
      md.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
    }
    DashboardState.MetricPoint last = state.latest();
    md.append("| snapshots published (trainer metrics records) | ")
        .append(pts.size())
        .append(" |\n");
    md.append("| last trained model version | ")
        .append(last == null ? "none" : last.version())
        .append(" |\n");
    md.append("| samples learned | ").append(last == null ? 0 : last.samplesSeen()).append(" |\n");
    if (last != null) {
      for (Map.Entry<String, Double> e : last.accuracy().entrySet()) {
        md.append("| prequential accuracy ")
            .append(e.getKey())
            .append(" | ")
            .append(fmt(e.getValue()))
            .append(" |\n");
      }
      md.append("| rho / beta / gamma (last) | ")
          .append(fmt(last.rho()))
          .append(" / ")
          .append(fmt(last.beta()))
          .append(" / ")
          .append(fmt(last.gamma()))
          .append(" |\n");
      md.append("| skipped non-finite steps | ").append(last.skippedNonFinite()).append(" |\n");
      md.append("| drift events | ").append(last.driftEvents()).append(" |\n");
    }
    md.append("| predictions served | ").append(state.predictionCount()).append(" |\n");
    md.append("| classes seen | ").append(state.classesSeen().size()).append(" |\n");
    md.append("| accuracy of served predictions on labeled samples | ")
        .append(fmt(state.servedAccuracy()))
        .append(" |\n");
    md.append("| model versions served | ").append(state.versionsServed().keySet()).append(" |\n");
    md.append("| prediction latency p50 / p99 (ms) | ")
        .append(fmt(state.latencyPercentile(50)))
        .append(" / ")
        .append(fmt(state.latencyPercentile(99)))
        .append(" |\n");
    md.append("| prediction latency p50 / p99 (ms), events after the first prediction | ")
        .append(fmt(state.steadyLatencyPercentile(50)))
        .append(" / ")
        .append(fmt(state.steadyLatencyPercentile(99)))
        .append(" |\n\n");
    md.append(
        "![accuracy](accuracy.png)\n\n![pmr](pmr.png)\n\n![losses](losses.png)\n\n![throughput](throughput.png)\n");
    if (Files.isRegularFile(dir.resolve(CAPTURE_SCREENSHOT))) {
      md.append("\n## The capture page during the run\n\n![capture page](")
          .append(CAPTURE_SCREENSHOT)
          .append(")\n");
    }
    Path report = dir.resolve("report.md");
    Files.writeString(report, md.toString());
    return report;
  }

  private static String fmt(double d) {
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4g", d) : "n/a";
  }
}
