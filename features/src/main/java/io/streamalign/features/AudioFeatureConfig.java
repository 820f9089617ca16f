package io.streamalign.features;

/**
 * Configuration of {@link AudioFeaturizer}: target sample rate, STFT framing, mel filterbank and
 * the fixed output size.
 *
 * @param targetRate sample rate (Hz) every input is resampled to before the STFT
 * @param windowMs analysis window length in milliseconds (Hann window)
 * @param hopMs hop between frames in milliseconds
 * @param melBands number of mel bands (rows of the output)
 * @param fMinHz lowest filterbank edge in Hz
 * @param fMaxHz highest filterbank edge in Hz; {@code <= 0} means {@code targetRate / 2}
 * @param frames fixed number of frames (columns of the output): shorter input is padded with the
 *     spectrogram's minimum, longer input is cropped around its centre
 * @param preEmphasis pre-emphasis coefficient {@code a} in {@code y[n] = x[n] - a x[n-1]}; 0
 *     disables it (the default)
 */
public record AudioFeatureConfig(
    int targetRate,
    double windowMs,
    double hopMs,
    int melBands,
    double fMinHz,
    double fMaxHz,
    int frames,
    double preEmphasis) {

  /** Lowest and highest sample rates accepted as input and as target. */
  public static final int MIN_RATE = 1000;

  public static final int MAX_RATE = 384_000;

  public AudioFeatureConfig {
    if (targetRate < MIN_RATE || targetRate > MAX_RATE) {
      throw new IllegalArgumentException(
          "targetRate must be in [" + MIN_RATE + ", " + MAX_RATE + "]: " + targetRate);
    }
    if (!(windowMs > 0) || !(hopMs > 0)) {
      throw new IllegalArgumentException(
          "windowMs and hopMs must be > 0: " + windowMs + ", " + hopMs);
    }
    if (melBands < 1 || frames < 1) {
      throw new IllegalArgumentException(
          "melBands and frames must be >= 1: " + melBands + ", " + frames);
    }
    if (!(fMinHz >= 0) || !Double.isFinite(fMaxHz)) {
      throw new IllegalArgumentException(
          "fMinHz must be >= 0 and fMaxHz finite: " + fMinHz + ", " + fMaxHz);
    }
    double top = fMaxHz <= 0 ? targetRate / 2.0 : fMaxHz;
    if (top > targetRate / 2.0 || top <= fMinHz) {
      throw new IllegalArgumentException(
          "need fMinHz < fMaxHz <= targetRate/2: " + fMinHz + ", " + top);
    }
    if (!(preEmphasis >= 0 && preEmphasis < 1)) {
      throw new IllegalArgumentException("preEmphasis must be in [0, 1): " + preEmphasis);
    }
    if (windowSamples(targetRate, windowMs) < 2 || hopSamples(targetRate, hopMs) < 1) {
      throw new IllegalArgumentException("window/hop too short for the target rate");
    }
  }

  /** 16 kHz, 25 ms window, 10 ms hop, 40 mel bands over 0..8000 Hz, 64 frames, no pre-emphasis. */
  public static AudioFeatureConfig defaults() {
    return new AudioFeatureConfig(16_000, 25.0, 10.0, 40, 0.0, 0.0, 64, 0.0);
  }

  public AudioFeatureConfig withTargetRate(int rate) {
    return new AudioFeatureConfig(
        rate, windowMs, hopMs, melBands, fMinHz, fMaxHz, frames, preEmphasis);
  }

  public AudioFeatureConfig withMelBands(int bands) {
    return new AudioFeatureConfig(
        targetRate, windowMs, hopMs, bands, fMinHz, fMaxHz, frames, preEmphasis);
  }

  public AudioFeatureConfig withFrames(int n) {
    return new AudioFeatureConfig(
        targetRate, windowMs, hopMs, melBands, fMinHz, fMaxHz, n, preEmphasis);
  }

  public AudioFeatureConfig withPreEmphasis(double a) {
    return new AudioFeatureConfig(targetRate, windowMs, hopMs, melBands, fMinHz, fMaxHz, frames, a);
  }

  public AudioFeatureConfig withFrequencyRange(double fMin, double fMax) {
    return new AudioFeatureConfig(
        targetRate, windowMs, hopMs, melBands, fMin, fMax, frames, preEmphasis);
  }

  /** Window length in samples at the target rate (400 for the defaults). */
  public int windowSamples() {
    return windowSamples(targetRate, windowMs);
  }

  /** Hop in samples at the target rate (160 for the defaults). */
  public int hopSamples() {
    return hopSamples(targetRate, hopMs);
  }

  /** FFT size: the next power of two &gt;= the window length (512 for the defaults). */
  public int fftSize() {
    int n = 1;
    while (n < windowSamples()) {
      n <<= 1;
    }
    return n;
  }

  /** The upper filterbank edge actually used ({@code targetRate / 2} when {@code fMaxHz <= 0}). */
  public double effectiveFMaxHz() {
    return fMaxHz <= 0 ? targetRate / 2.0 : fMaxHz;
  }

  /** Length of the flattened output, {@code melBands * frames}. */
  public int outputLength() {
    return melBands * frames;
  }

  private static int windowSamples(int rate, double ms) {
    return (int) Math.round(rate * ms / 1000.0);
  }

  private static int hopSamples(int rate, double ms) {
    return (int) Math.round(rate * ms / 1000.0);
  }
}
