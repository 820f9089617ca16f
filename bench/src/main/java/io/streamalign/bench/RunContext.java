package io.streamalign.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What a reader needs to weigh the figures: the machine's load while a scenario ran (the 1-minute
 * load average from {@code /proc/loadavg}, sampled every 10 s by a daemon thread: on a shared
 * 2-core machine other processes compete, which is why every figure is a ratio against a same-run
 * baseline), and the code measured (git commit of the working tree, whether it had uncommitted
 * changes, and where the model classes were loaded from).
 */
final class RunContext {

  /** Samples the 1-minute load average until closed. */
  static final class LoadSampler implements AutoCloseable {
    private final List<Double> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    LoadSampler() {
      thread =
          new Thread(
              () -> {
                while (running) {
                  double l = loadAverage();
                  if (Double.isFinite(l))
                    synchronized (samples) {
                      samples.add(l);
                    }
                  try {
                    Thread.sleep(10_000);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "bench-load-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    /** "load average (1 min) during the scenario: mean m, max x over n samples (c cores)". */
    String summary() {
      double[] a;
      synchronized (samples) {
        a = samples.stream().mapToDouble(Double::doubleValue).toArray();
      }
      if (a.length == 0) return "load average not available (no /proc/loadavg)";
      double max = 0;
      for (double v : a) max = Math.max(max, v);
      return loadNote(Stats.mean(a), max, a.length, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The load note: whether the load went above the core count (then processes waited for a CPU)
     * is said from the samples, not assumed.
     */
    static String loadNote(double mean, double max, int samples, int cores) {
      return String.format(
          Locale.ROOT,
          "load average (1 min) during the scenario: mean %.2f, max %.2f over %d samples "
              + "every 10 s, on %d cores (%s)",
          mean,
          max,
          samples,
          cores,
          max > cores
              ? "above the core count at times: processes waited for a CPU"
              : "never above the core count");
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * "commit abc123 (working tree with uncommitted changes)" of the current directory, or why not
   * known.
   */
  static String gitCommit() {
    String head = run("git", "rev-parse", "--short=12", "HEAD");
    if (head == null || head.isBlank()) return "git commit unknown (not run inside the repository)";
    String dirty = run("git", "status", "--porcelain", "--untracked-files=no");
    String subject = run("git", "log", "-1", "--format=%s");
    return "git commit "
        + head.trim()
        + (subject == null ? "" : " (\"" + trim(subject.trim(), 90) + "\")")
        + (dirty == null || dirty.isBlank()
            ? ", clean working tree"
            : ", working tree with uncommitted changes "
                + "(other modules' work in progress; the classes measured are the installed jars listed below)");
  }

  /** Where a class was loaded from and when that jar/directory was last modified. */
  static String origin(Class<?> c) {
    try {
      Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
      return p.getFileName()
          + " (modified "
          + Files.getLastModifiedTime(p)
              .toInstant()
              .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
          + ")";
    } catch (Exception e) {
      return c.getSimpleName() + " (origin unknown)";
    }
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }

  private static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
      return out;
    } catch (Exception e) {
      return null;
    }
  }

  private RunContext() {}
}
