package io.streamalign.features;

/**
 * Band-limited sample-rate conversion by windowed-sinc interpolation (Kaiser window, beta 8.6, 16
 * zero crossings per side).
 *
 * <p>Each output sample at input position {@code t = i * from / to} is {@code y[i] = sum_k x[k] *
 * rho * sinc(rho * (t - k)) * kaiser((t - k) * rho / Z)}, the ideal band-limited interpolator of
 * Smith and Gossett ("A flexible sampling-rate conversion method", ICASSP 1984) truncated by a
 * Kaiser window. {@code rho = min(1, to / from) * 0.97}: when downsampling, the sinc cut-off moves
 * below the new Nyquist frequency so the filter is also the anti-aliasing low-pass; when upsampling
 * it removes the images. The kernel is tabulated once (512 points per zero crossing, linear
 * interpolation between them). Samples outside the input count as zero.
 */
public final class Resampler {
  private static final int ZEROS = 16;
  private static final int TABLE_RES = 512;
  private static final double KAISER_BETA = 8.6;
  private static final double ROLLOFF = 0.97;
  private static final double[] TABLE = buildTable();

  private Resampler() {}

  /**
   * Resamples {@code x} from {@code fromRate} to {@code toRate} Hz. The output has {@code
   * ceil(x.length * toRate / fromRate)} samples; equal rates return a copy.
   *
   * @throws FeatureException if a rate is outside [{@value AudioFeatureConfig#MIN_RATE}, {@value
   *     AudioFeatureConfig#MAX_RATE}]
   */
  public static float[] resample(float[] x, int fromRate, int toRate) {
    checkRate(fromRate);
    checkRate(toRate);
    if (fromRate == toRate) {
      return x.clone();
    }
    int n = (int) Math.ceil((double) x.length * toRate / fromRate);
    float[] y = new float[n];
    double rho = Math.min(1.0, (double) toRate / fromRate) * ROLLOFF;
    double halfWidth = ZEROS / rho; // kernel support in input samples, each side
    double step = (double) fromRate / toRate;
    for (int i = 0; i < n; i++) {
      double t = i * step;
      int lo = Math.max(0, (int) Math.ceil(t - halfWidth));
      int hi = Math.min(x.length - 1, (int) Math.floor(t + halfWidth));
      double acc = 0;
      for (int k = lo; k <= hi; k++) {
        acc += x[k] * kernel(Math.abs(t - k) * rho);
      }
      y[i] = (float) (acc * rho);
    }
    return y;
  }

  static void checkRate(int rate) {
    if (rate < AudioFeatureConfig.MIN_RATE || rate > AudioFeatureConfig.MAX_RATE) {
      throw new FeatureException(
          "unsupported sample rate "
              + rate
              + " Hz (supported: "
              + AudioFeatureConfig.MIN_RATE
              + ".."
              + AudioFeatureConfig.MAX_RATE
              + ")");
    }
  }

  /** Windowed sinc at {@code u >= 0} zero crossings from the centre, by table interpolation. */
  private static double kernel(double u) {
    double p = u * TABLE_RES;
    int j = (int) p;
    if (j >= TABLE.length - 1) {
      return 0;
    }
    double f = p - j;
    return TABLE[j] + f * (TABLE[j + 1] - TABLE[j]);
  }

  private static double[] buildTable() {
    double[] t = new double[ZEROS * TABLE_RES + 1];
    double i0Beta = besselI0(KAISER_BETA);
    for (int j = 0; j < t.length; j++) {
      double u = (double) j / TABLE_RES;
      double sinc = u == 0 ? 1.0 : Math.sin(Math.PI * u) / (Math.PI * u);
      double r = u / ZEROS;
      double w = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
      t[j] = sinc * w;
    }
    t[t.length - 1] = 0;
    return t;
  }

  /** Modified Bessel function of the first kind, order 0 (power series). */
  private static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double q = x * x / 4;
    for (int k = 1; k < 200; k++) {
      term *= q / ((double) k * k);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return sum;
  }
}
