package io.streamalign.features;

/**
 * Conversions between signed 16-bit little-endian PCM bytes, {@code short} samples and floats.
 *
 * <p>This is the sample format of {@code AudioChunk.data} (interleaved when there is more than one
 * channel) and of the FSDD WAV files.
 */
public final class Pcm16 {
  private Pcm16() {}

  /** Decodes little-endian PCM16 bytes to samples; the length must be even. */
  public static short[] fromLittleEndian(byte[] data) {
    if (data == null) {
      throw new FeatureException("PCM16 data is null");
    }
    if ((data.length & 1) != 0) {
      throw new FeatureException("PCM16 data length " + data.length + " is odd");
    }
    short[] out = new short[data.length / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (short) ((data[2 * i] & 0xff) | (data[2 * i + 1] << 8));
    }
    return out;
  }

  /** Encodes samples as little-endian PCM16 bytes. */
  public static byte[] toLittleEndian(short[] samples) {
    byte[] out = new byte[samples.length * 2];
    for (int i = 0; i < samples.length; i++) {
      out[2 * i] = (byte) samples[i];
      out[2 * i + 1] = (byte) (samples[i] >> 8);
    }
    return out;
  }

  /**
   * Averages interleaved channels to mono.
   *
   * @throws FeatureException if {@code channels < 1} or the sample count is not a multiple of it
   */
  public static short[] downmix(short[] interleaved, int channels) {
    if (channels < 1) {
      throw new FeatureException("unsupported channel count " + channels);
    }
    if (interleaved.length % channels != 0) {
      throw new FeatureException(
          "sample count "
              + interleaved.length
              + " is not a multiple of the channel count "
              + channels);
    }
    if (channels == 1) {
      return interleaved.clone();
    }
    short[] out = new short[interleaved.length / channels];
    for (int i = 0; i < out.length; i++) {
      int sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += interleaved[i * channels + c];
      }
      out[i] = (short) Math.round((double) sum / channels);
    }
    return out;
  }

  /** Scales samples to [-1, 1) by dividing by 32768. */
  public static float[] toFloat(short[] samples) {
    float[] out = new float[samples.length];
    for (int i = 0; i < samples.length; i++) {
      out[i] = samples[i] / 32768f;
    }
    return out;
  }

  /** Converts floats in [-1, 1] to samples, rounding and clipping to the PCM16 range. */
  public static short[] fromFloat(float[] samples) {
    short[] out = new short[samples.length];
    for (int i = 0; i < samples.length; i++) {
      long v = Math.round(samples[i] * 32768.0);
      out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }
    return out;
  }
}
