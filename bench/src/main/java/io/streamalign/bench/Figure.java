package io.streamalign.bench;

/**
 * One measured figure and the baseline that bounds it, measured in the same run.
 *
 * @param name what was measured (e.g. "kafka path samples/s")
 * @param value the measured value
 * @param unit unit of value and baseline
 * @param baselineName what the baseline is (e.g. "memory path samples/s")
 * @param baseline the baseline's value (NaN when the figure has none)
 * @param goal the goal (e.g. "ratio >= 0.9"), or "" for none
 * @param goalMet whether the goal was met ({@code null} when there is no goal)
 */
public record Figure(
    String name,
    double value,
    String unit,
    String baselineName,
    double baseline,
    String goal,
    Boolean goalMet) {

  /** value / baseline (NaN when there is no baseline or it is 0). */
  public double ratio() {
    return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : value / baseline;
  }

  /**
   * A figure against a baseline, with a goal on the ratio: {@code ratio >= min} (or {@code <=
   * max}).
   */
  public static Figure ratioAtLeast(
      String name, double value, String unit, String baselineName, double baseline, double min) {
    double r = baseline == 0 ? Double.NaN : value / baseline;
    return new Figure(
        name,
        value,
        unit,
        baselineName,
        baseline,
        "ratio >= " + min,
        Double.isFinite(r) && r >= min);
  }

  public static Figure ratioAtMost(
      String name, double value, String unit, String baselineName, double baseline, double max) {
    double r = baseline == 0 ? Double.NaN : value / baseline;
    return new Figure(
        name,
        value,
        unit,
        baselineName,
        baseline,
        "ratio <= " + max,
        Double.isFinite(r) && r <= max);
  }

  /** A figure against a baseline, without a goal. */
  public static Figure of(
      String name, double value, String unit, String baselineName, double baseline) {
    return new Figure(name, value, unit, baselineName, baseline, "", null);
  }

  /**
   * A figure whose goal is on the value itself (e.g. swap p99 <= 250 ms), still shown with its
   * baseline.
   */
  public static Figure valueAtMost(
      String name, double value, String unit, String baselineName, double baseline, double max) {
    return new Figure(
        name,
        value,
        unit,
        baselineName,
        baseline,
        "value <= " + max + " " + unit,
        Double.isFinite(value) && value <= max);
  }
}
