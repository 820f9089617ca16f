package io.streamalign.bench;

import java.util.Arrays;
import java.util.Collection;

/** Percentiles and means of measured values. */
public final class Stats {

  private Stats() {}

  /** The {@code p}-th percentile (0..100) by nearest rank; NaN for no values. */
  public static double percentile(Collection<? extends Number> values, double p) {
    double[] a = values.stream().mapToDouble(Number::doubleValue).toArray();
    return percentile(a, p);
  }

  public static double percentile(double[] values, double p) {
    if (values.length == 0) return Double.NaN;
    double[] a = values.clone();
    Arrays.sort(a);
    int rank = (int) Math.ceil(p / 100.0 * a.length);
    return a[Math.max(0, Math.min(a.length - 1, rank - 1))];
  }

  /** The median (the mean of the two middle values for an even count); NaN for no values. */
  public static double median(double[] values) {
    if (values.length == 0) return Double.NaN;
    double[] a = values.clone();
    Arrays.sort(a);
    int k = a.length;
    return k % 2 == 1 ? a[k / 2] : (a[k / 2 - 1] + a[k / 2]) / 2;
  }

  public static double mean(double[] values) {
    if (values.length == 0) return Double.NaN;
    double s = 0;
    for (double v : values) s += v;
    return s / values.length;
  }
}
