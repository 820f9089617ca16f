package io.streamalign.features;

/**
 * Triangular mel filterbank on the HTK mel scale, {@code mel(f) = 2595 log10(1 + f / 700)}.
 *
 * <p>The {@code bands + 2} edge frequencies are equally spaced in mel between {@code fMin} and
 * {@code fMax}; filter {@code b} rises linearly from edge {@code b} to a peak of 1 at edge {@code b
 * + 1} (its centre) and falls to 0 at edge {@code b + 2}. Weights are evaluated at the exact FFT
 * bin frequencies {@code k * rate / fftSize} (as librosa does with {@code htk=True, norm=None}):
 * HTK scale and HTK peak-1 triangles, not Slaney's area normalization, so a pure tone gives the
 * largest response in the band whose centre is nearest to it.
 */
public final class MelFilterbank {
  private final int bands;
  private final int fftSize;
  private final double[] centerHz;
  private final int[] firstBin;
  private final double[][] weights;

  public MelFilterbank(int bands, int fftSize, int sampleRate, double fMinHz, double fMaxHz) {
    if (bands < 1
        || fftSize < 2
        || !(fMinHz >= 0)
        || !(fMaxHz > fMinHz)
        || fMaxHz > sampleRate / 2.0) {
      throw new IllegalArgumentException(
          "bad filterbank: bands="
              + bands
              + " fft="
              + fftSize
              + " rate="
              + sampleRate
              + " f="
              + fMinHz
              + ".."
              + fMaxHz);
    }
    this.bands = bands;
    this.fftSize = fftSize;
    double melLo = hzToMel(fMinHz);
    double melHi = hzToMel(fMaxHz);
    double[] edges = new double[bands + 2];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHz(melLo + (melHi - melLo) * i / (bands + 1));
    }
    int bins = fftSize / 2 + 1;
    double binHz = (double) sampleRate / fftSize;
    centerHz = new double[bands];
    firstBin = new int[bands];
    weights = new double[bands][];
    for (int b = 0; b < bands; b++) {
      double lo = edges[b];
      double c = edges[b + 1];
      double hi = edges[b + 2];
      centerHz[b] = c;
      int k0 = Math.max(0, (int) Math.ceil(lo / binHz));
      int k1 = Math.min(bins - 1, (int) Math.floor(hi / binHz));
      double[] w = new double[Math.max(0, k1 - k0 + 1)];
      for (int k = k0; k <= k1; k++) {
        double f = k * binHz;
        double up = (f - lo) / (c - lo);
        double down = (hi - f) / (hi - c);
        w[k - k0] = Math.max(0, Math.min(up, down));
      }
      firstBin[b] = k0;
      weights[b] = w;
    }
  }

  /** HTK mel scale. */
  public static double hzToMel(double hz) {
    return 2595.0 * Math.log10(1.0 + hz / 700.0);
  }

  /** Inverse of {@link #hzToMel(double)}. */
  public static double melToHz(double mel) {
    return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
  }

  public int bands() {
    return bands;
  }

  public int fftSize() {
    return fftSize;
  }

  /** Centre (peak) frequency of each band in Hz, ascending. */
  public double[] centerHz() {
    return centerHz.clone();
  }

  /** Index of the band whose centre is nearest to {@code hz}. */
  public int nearestBand(double hz) {
    int best = 0;
    for (int b = 1; b < bands; b++) {
      if (Math.abs(centerHz[b] - hz) < Math.abs(centerHz[best] - hz)) {
        best = b;
      }
    }
    return best;
  }

  /**
   * Mel energies of one power spectrum of {@code fftSize / 2 + 1} bins, into {@code out[b][frame]}.
   */
  void apply(double[] power, float[][] out, int frame) {
    for (int b = 0; b < bands; b++) {
      double[] w = weights[b];
      int k0 = firstBin[b];
      double acc = 0;
      for (int j = 0; j < w.length; j++) {
        acc += w[j] * power[k0 + j];
      }
      out[b][frame] = (float) acc;
    }
  }
}
