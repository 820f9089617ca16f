package io.streamalign.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a benchmark runs.
 *
 * @param quick short runs (mechanics, smoke): few samples, short phases
 * @param duration length of duration-bound scenarios (soak); {@code null} = the scenario's default
 * @param outDir where {@code <scenario>.json} and {@code <scenario>.md} are written
 * @param device DJL device of the learner ("cpu", "gpu", "auto")
 */
public record BenchOptions(boolean quick, Duration duration, Path outDir, String device) {

  public BenchOptions {
    Objects.requireNonNull(outDir, "outDir");
    if (device == null || device.isBlank()) device = "cpu";
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      throw new IllegalArgumentException("duration must be > 0: " + duration);
    }
  }

  /** Full runs into {@code bench-results}, cpu, default durations. */
  public static BenchOptions defaults() {
    return new BenchOptions(false, null, Path.of("bench-results"), "cpu");
  }

  public BenchOptions withQuick(boolean q) {
    return new BenchOptions(q, duration, outDir, device);
  }

  public BenchOptions withDuration(Duration d) {
    return new BenchOptions(quick, d, outDir, device);
  }

  public BenchOptions withOutDir(Path p) {
    return new BenchOptions(quick, duration, p, device);
  }

  public BenchOptions withDevice(String d) {
    return new BenchOptions(quick, duration, outDir, d);
  }

  /** The given duration, else {@code quickDefault} in quick mode, else {@code fullDefault}. */
  public Duration durationOr(Duration quickDefault, Duration fullDefault) {
    if (duration != null) return duration;
    return quick ? quickDefault : fullDefault;
  }

  /** {@code q} in quick mode, else {@code full}. */
  public int pick(int q, int full) {
    return quick ? q : full;
  }

  /**
   * Parses a duration: ISO-8601 ({@code PT60S}) or a number with a unit suffix {@code ms, s, m, h}
   * ({@code 90s}, {@code 10m}); a bare number is seconds.
   */
  public static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.startsWith("pt") || t.startsWith("p"))
      return Duration.parse(text.trim().toUpperCase(java.util.Locale.ROOT));
    try {
      if (t.endsWith("ms"))
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      if (t.endsWith("s"))
        return Duration.ofMillis(
            Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      if (t.endsWith("m"))
        return Duration.ofMillis(
            Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
      if (t.endsWith("h"))
        return Duration.ofMillis(
            Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 3_600_000));
      return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + text + "' (use e.g. 60s, 10m, PT1M)", e);
    }
  }
}
