package io.streamalign.eval.report;

import java.util.List;
import java.util.Locale;

/**
 * Mean with a 95% confidence interval and paired differences, for the evaluation reports.
 *
 * <p>The interval is Student's t: {@code mean ± t(0.975, n - 1) · sd / sqrt(n)} over {@code n}
 * independent units (the caller says which: seeds, or tasks × seeds), with {@code sd} the sample
 * standard deviation (n − 1 in the denominator). A paired difference is the same interval over the
 * per-unit differences {@code a_i − b_i} of two methods measured on the same units (same seed, same
 * task), which removes the variation the units share. A comparison "holds" only where the interval
 * of the difference excludes 0.
 */
public final class Stats {

  private Stats() {}

  /** Two-sided confidence level of every interval here. */
  public static final double LEVEL = 0.95;

  /**
   * A mean and its 95% interval over {@code n} units; {@code halfWidth} is NaN when {@code n < 2}.
   */
  public record Interval(int n, double mean, double sd, double halfWidth) {
    public double lo() {
      return mean - halfWidth;
    }

    public double hi() {
      return mean + halfWidth;
    }

    /** True when the whole interval is above 0 (false when it is undefined). */
    public boolean above0() {
      return lo() > 0;
    }

    /** True when the whole interval is below 0 (false when it is undefined). */
    public boolean below0() {
      return hi() < 0;
    }

    /** "holds" (interval above 0), "reversed" (below 0) or "inside the noise" (contains 0). */
    public String verdict() {
      return above0() ? "holds" : below0() ? "reversed" : "inside the noise";
    }

    /** {@code "12.3 ± 4.5"} ({@code digits} decimals); {@code "12.3"} when n < 2. */
    public String text(int digits) {
      String f = "%." + digits + "f";
      if (Double.isNaN(halfWidth)) return String.format(Locale.ROOT, f, mean);
      return String.format(Locale.ROOT, f + " ± " + f, mean, halfWidth);
    }

    /** {@code "+1.2 [−0.3, +2.7]"}: a signed difference with its interval. */
    public String signedText(int digits) {
      String f = "%+." + digits + "f";
      if (Double.isNaN(halfWidth)) return String.format(Locale.ROOT, f + " (n = %d)", mean, n);
      return String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", mean, lo(), hi());
    }
  }

  /** Mean and 95% t-interval of {@code xs}, each value one independent unit. */
  public static Interval mean(double[] xs) {
    int n = xs.length;
    if (n == 0) return new Interval(0, Double.NaN, Double.NaN, Double.NaN);
    double m = 0;
    for (double x : xs) m += x;
    m /= n;
    if (n < 2) return new Interval(n, m, Double.NaN, Double.NaN);
    double ss = 0;
    for (double x : xs) ss += (x - m) * (x - m);
    double sd = Math.sqrt(ss / (n - 1));
    return new Interval(n, m, sd, tQuantile(0.5 + LEVEL / 2, n - 1) * sd / Math.sqrt(n));
  }

  /** {@link #mean(double[])} of a list. */
  public static Interval mean(List<Double> xs) {
    return mean(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Paired difference {@code a − b}: the 95% interval of the per-unit differences; {@code a[i]} and
   * {@code b[i]} must be measured on the same unit.
   */
  public static Interval paired(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired difference needs the same units: " + a.length + " vs " + b.length + " values");
    }
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
    return mean(d);
  }

  /** {@link #paired(double[], double[])} of lists. */
  public static Interval paired(List<Double> a, List<Double> b) {
    return paired(
        a.stream().mapToDouble(Double::doubleValue).toArray(),
        b.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The means of consecutive groups of {@code groupSize} values (e.g. one seed's tasks). */
  public static double[] groupMeans(double[] xs, int groupSize) {
    if (groupSize < 1 || xs.length % groupSize != 0) {
      throw new IllegalArgumentException(
          xs.length + " values do not split into groups of " + groupSize);
    }
    double[] out = new double[xs.length / groupSize];
    for (int g = 0; g < out.length; g++) {
      double s = 0;
      for (int i = 0; i < groupSize; i++) s += xs[g * groupSize + i];
      out[g] = s / groupSize;
    }
    return out;
  }

  /**
   * The p-quantile of Student's t with {@code df} degrees of freedom (0 < p < 1), by bisection on
   * its distribution function.
   */
  public static double tQuantile(double p, double df) {
    if (!(p > 0 && p < 1) || !(df > 0)) {
      throw new IllegalArgumentException("need 0 < p < 1 and df > 0, got p=" + p + ", df=" + df);
    }
    if (p == 0.5) return 0;
    if (p < 0.5) return -tQuantile(1 - p, df);
    double lo = 0;
    double hi = 1;
    while (tCdf(hi, df) < p) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
      double mid = (lo + hi) / 2;
      if (tCdf(mid, df) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }

  /**
   * Student's t distribution function: for t >= 0, 1 − I_x(df/2, 1/2) / 2 with x = df / (df + t²).
   */
  public static double tCdf(double t, double df) {
    double x = df / (df + t * t);
    double tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
    return t >= 0 ? 1 - tail : tail;
  }

  /**
   * The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method;
   * Numerical Recipes, 3rd ed., section 6.4).
   */
  static double incompleteBeta(double x, double a, double b) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lnFront =
        lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaFraction(x, a, b) / a;
    return 1 - Math.exp(lnFront) * betaFraction(1 - x, b, a) / b;
  }

  private static double betaFraction(double x, double a, double b) {
    double tiny = 1e-300;
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 1000; m++) {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-15) break;
    }
    return h;
  }

  /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 coefficients). */
  static double lnGamma(double x) {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
    double[] g = {
      0.99999999999980993,
      676.5203681218851,
      -1259.1392167224028,
      771.32342877765313,
      -176.61502916214059,
      12.507343278686905,
      -0.13857109526572012,
      9.9843695780195716e-6,
      1.5056327351493116e-7
    };
    x -= 1;
    double a = g[0];
    double t = x + 7.5;
    for (int i = 1; i < 9; i++) a += g[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }
}
