package io.streamalign.features;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Log-mel spectrogram featurizer for PCM16 audio.
 *
 * <p>Pipeline: down-mix to mono, scale to [-1, 1), resample to {@link
 * AudioFeatureConfig#targetRate()} with the windowed-sinc {@link Resampler}, optional pre-emphasis,
 * frames of {@link AudioFeatureConfig#windowSamples()} samples every {@link
 * AudioFeatureConfig#hopSamples()} (no centring; input shorter than one window is zero-padded to
 * one frame), periodic Hann window, zero-padded real FFT of {@link AudioFeatureConfig#fftSize()}
 * points (JTransforms), power spectrum {@code |X_k|^2}, HTK mel filterbank ({@link MelFilterbank}),
 * natural log of {@code mel + }{@value #LOG_FLOOR}.
 *
 * <p>{@link #featurize} then fixes the frame count (shorter: the content is centred and padded on
 * both sides with the spectrogram's minimum; longer: the centre {@code frames} columns are kept)
 * and normalizes per sample to zero mean and unit standard deviation over all values; when the
 * standard deviation is below {@value #MIN_STD} (silence) the output is all zeros. The result is
 * band-major: {@code out[b * frames + t]}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AudioFeaturizer {
  /** Added to mel energies before the log so silence gives a finite value. */
  public static final double LOG_FLOOR = 1e-6;

  /** Standard deviation under which a sample counts as constant (silence) in normalization. */
  public static final double MIN_STD = 1e-5;

  /** Largest channel count {@link #featurizePcm16le} accepts. */
  public static final int MAX_CHANNELS = 32;

  private final AudioFeatureConfig cfg;
  private final MelFilterbank mel;
  private final double[] window;

  public AudioFeaturizer(AudioFeatureConfig cfg) {
    this.cfg = cfg;
    this.mel =
        new MelFilterbank(
            cfg.melBands(), cfg.fftSize(), cfg.targetRate(), cfg.fMinHz(), cfg.effectiveFMaxHz());
    int n = cfg.windowSamples();
    this.window = new double[n];
    for (int i = 0; i < n; i++) {
      window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / n); // periodic Hann
    }
  }

  /** Featurizer with {@link AudioFeatureConfig#defaults()}. */
  public AudioFeaturizer() {
    this(AudioFeatureConfig.defaults());
  }

  public AudioFeatureConfig config() {
    return cfg;
  }

  public MelFilterbank filterbank() {
    return mel;
  }

  /** Output shape {@code {melBands, frames}}. */
  public int[] shape() {
    return new int[] {cfg.melBands(), cfg.frames()};
  }

  /**
   * Features of mono PCM16 audio: {@code melBands x frames} values, band-major, normalized.
   *
   * @throws FeatureException on empty audio, an unsupported rate or a non-finite result
   */
  public float[] featurize(short[] pcm, int sampleRate) {
    float[][] lm = logMel(pcm, sampleRate);
    float[][] fixed = fixFrames(lm, cfg.frames());
    float[] out = normalize(fixed);
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new FeatureException("non-finite audio feature at index " + i);
      }
    }
    return out;
  }

  /**
   * Features of little-endian PCM16 bytes with {@code channels} interleaved channels (the layout of
   * {@code AudioChunk.data}); channels are averaged to mono first.
   *
   * @throws FeatureException on a bad length or channel count, empty audio or an unsupported rate
   */
  public float[] featurizePcm16le(byte[] data, int sampleRate, int channels) {
    if (channels < 1 || channels > MAX_CHANNELS) {
      throw new FeatureException(
          "unsupported channel count " + channels + " (1.." + MAX_CHANNELS + ")");
    }
    if (data == null || data.length == 0) {
      throw new FeatureException("empty audio");
    }
    if (data.length % (2 * channels) != 0) {
      throw new FeatureException(
          "PCM16 data length "
              + data.length
              + " is not a multiple of 2 * "
              + channels
              + " channels");
    }
    return featurize(Pcm16.downmix(Pcm16.fromLittleEndian(data), channels), sampleRate);
  }

  /**
   * Log-mel spectrogram {@code [melBands][T]} of mono PCM16 audio, before frame fixing and
   * normalization; {@code T = 1 + max(0, (n - window) / hop)} frames of the resampled signal.
   *
   * @throws FeatureException on empty audio or an unsupported rate
   */
  public float[][] logMel(short[] pcm, int sampleRate) {
    if (pcm == null || pcm.length == 0) {
      throw new FeatureException("empty audio");
    }
    Resampler.checkRate(sampleRate);
    float[] x = Resampler.resample(Pcm16.toFloat(pcm), sampleRate, cfg.targetRate());
    if (cfg.preEmphasis() > 0) {
      float a = (float) cfg.preEmphasis();
      for (int i = x.length - 1; i > 0; i--) {
        x[i] -= a * x[i - 1];
      }
    }
    int win = cfg.windowSamples();
    int hop = cfg.hopSamples();
    int nfft = cfg.fftSize();
    int frames = x.length <= win ? 1 : 1 + (x.length - win) / hop;
    float[][] out = new float[cfg.melBands()][frames];
    DoubleFFT_1D fft = new DoubleFFT_1D(nfft);
    double[] buf = new double[nfft];
    double[] power = new double[nfft / 2 + 1];
    for (int t = 0; t < frames; t++) {
      java.util.Arrays.fill(buf, 0);
      int start = t * hop;
      int len = Math.min(win, x.length - start);
      for (int i = 0; i < len; i++) {
        buf[i] = x[start + i] * window[i];
      }
      fft.realForward(buf);
      // JTransforms packing for even n: a[0] = Re X_0, a[1] = Re X_{n/2}, a[2k], a[2k+1] = Re, Im
      // X_k.
      power[0] = buf[0] * buf[0];
      power[nfft / 2] = buf[1] * buf[1];
      for (int k = 1; k < nfft / 2; k++) {
        power[k] = buf[2 * k] * buf[2 * k] + buf[2 * k + 1] * buf[2 * k + 1];
      }
      mel.apply(power, out, t);
    }
    for (float[] row : out) {
      for (int t = 0; t < frames; t++) {
        row[t] = (float) Math.log(row[t] + LOG_FLOOR);
      }
    }
    return out;
  }

  /** Pads (centred, with the minimum) or crops (centred) every row to {@code frames} columns. */
  static float[][] fixFrames(float[][] lm, int frames) {
    int have = lm[0].length;
    if (have == frames) {
      return lm;
    }
    float[][] out = new float[lm.length][frames];
    if (have > frames) {
      int off = (have - frames) / 2;
      for (int b = 0; b < lm.length; b++) {
        System.arraycopy(lm[b], off, out[b], 0, frames);
      }
      return out;
    }
    float min = Float.POSITIVE_INFINITY;
    for (float[] row : lm) {
      for (float v : row) {
        min = Math.min(min, v);
      }
    }
    int off = (frames - have) / 2;
    for (int b = 0; b < lm.length; b++) {
      java.util.Arrays.fill(out[b], min);
      System.arraycopy(lm[b], 0, out[b], off, have);
    }
    return out;
  }

  private static float[] normalize(float[][] m) {
    int cols = m[0].length;
    float[] out = new float[m.length * cols];
    double sum = 0;
    for (int b = 0; b < m.length; b++) {
      for (int t = 0; t < cols; t++) {
        out[b * cols + t] = m[b][t];
        sum += m[b][t];
      }
    }
    double mean = sum / out.length;
    double sq = 0;
    for (float v : out) {
      sq += (v - mean) * (v - mean);
    }
    double std = Math.sqrt(sq / out.length);
    double scale = std < MIN_STD ? 0.0 : 1.0 / std;
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((out[i] - mean) * scale);
    }
    return out;
  }
}
