package io.streamalign.features.data;

import io.streamalign.features.FeatureException;
import io.streamalign.features.Pcm16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes RIFF/WAVE files holding 16-bit PCM.
 *
 * <p>{@link #parse(byte[])} walks the chunks (so files with extra chunks such as {@code LIST} are
 * accepted), requires {@code fmt } before {@code data}, format tag 1 (PCM) or
 * WAVE_FORMAT_EXTENSIBLE with a PCM sub-format, 16 bits per sample, and a block align of {@code 2 *
 * channels}. {@link #write} produces the canonical 44-byte header (the FSDD layout).
 */
public final class Wav {
  /** Size of the canonical header written by {@link #write}. */
  public static final int CANONICAL_HEADER = 44;

  private Wav() {}

  /**
   * Decoded PCM16 audio.
   *
   * @param sampleRate samples per second per channel
   * @param channels channel count
   * @param samples interleaved samples
   */
  public record Audio(int sampleRate, int channels, short[] samples) {
    /** Samples per channel. */
    public int frames() {
      return samples.length / channels;
    }

    /** Mono samples (channels averaged). */
    public short[] mono() {
      return Pcm16.downmix(samples, channels);
    }

    public double durationSeconds() {
      return (double) frames() / sampleRate;
    }
  }

  /**
   * Parses a PCM16 WAV file.
   *
   * @throws FeatureException with the reason if the bytes are not a PCM16 RIFF/WAVE file
   */
  public static Audio parse(byte[] wav) {
    if (wav == null || wav.length < 12) {
      throw new FeatureException(
          "WAV too short: " + (wav == null ? "null" : wav.length + " bytes"));
    }
    ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
    if (!tag(wav, 0).equals("RIFF")) {
      throw new FeatureException("not a RIFF file (starts with '" + printable(tag(wav, 0)) + "')");
    }
    if (!tag(wav, 8).equals("WAVE")) {
      throw new FeatureException(
          "RIFF file is not WAVE (form type '" + printable(tag(wav, 8)) + "')");
    }
    int pos = 12;
    int rate = -1;
    int channels = -1;
    while (pos + 8 <= wav.length) {
      String id = tag(wav, pos);
      long size = Integer.toUnsignedLong(b.getInt(pos + 4));
      int body = pos + 8;
      if (id.equals("fmt ")) {
        if (size < 16 || body + size > wav.length) {
          throw new FeatureException("bad WAV fmt chunk size " + size);
        }
        int format = b.getShort(body) & 0xffff;
        channels = b.getShort(body + 2) & 0xffff;
        rate = b.getInt(body + 4);
        int blockAlign = b.getShort(body + 12) & 0xffff;
        int bits = b.getShort(body + 14) & 0xffff;
        if (format == 0xFFFE && size >= 40) {
          format = b.getShort(body + 24) & 0xffff; // sub-format GUID starts with the format tag
        }
        if (format != 1) {
          throw new FeatureException("WAV format tag " + format + " is not PCM (1)");
        }
        if (bits != 16) {
          throw new FeatureException(
              "WAV has " + bits + " bits per sample, only 16-bit PCM is supported");
        }
        if (channels < 1) {
          throw new FeatureException("WAV has " + channels + " channels");
        }
        if (rate <= 0) {
          throw new FeatureException(
              "WAV sample rate " + Integer.toUnsignedString(rate) + " is invalid");
        }
        if (blockAlign != 2 * channels) {
          throw new FeatureException(
              "WAV block align " + blockAlign + " != 2 * " + channels + " channels");
        }
      } else if (id.equals("data")) {
        if (channels < 0) {
          throw new FeatureException("WAV data chunk before fmt chunk");
        }
        if (body + size > wav.length) {
          throw new FeatureException(
              "WAV data chunk of " + size + " bytes is truncated to " + (wav.length - body));
        }
        if (size % (2L * channels) != 0) {
          throw new FeatureException(
              "WAV data size " + size + " is not a multiple of " + (2 * channels));
        }
        byte[] pcm = new byte[(int) size];
        System.arraycopy(wav, body, pcm, 0, pcm.length);
        return new Audio(rate, channels, Pcm16.fromLittleEndian(pcm));
      }
      pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
    }
    throw new FeatureException(channels < 0 ? "WAV has no fmt chunk" : "WAV has no data chunk");
  }

  /** A canonical 44-byte-header PCM16 WAV file of interleaved {@code samples}. */
  public static byte[] write(short[] samples, int sampleRate, int channels) {
    if (channels < 1 || samples.length % channels != 0) {
      throw new FeatureException(
          "sample count " + samples.length + " does not fit " + channels + " channels");
    }
    if (sampleRate <= 0) {
      throw new FeatureException("bad sample rate " + sampleRate);
    }
    int dataBytes = samples.length * 2;
    ByteBuffer b = ByteBuffer.allocate(CANONICAL_HEADER + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes);
    b.put("WAVE".getBytes(StandardCharsets.US_ASCII));
    b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
    b.putShort((short) 1)
        .putShort((short) channels)
        .putInt(sampleRate)
        .putInt(sampleRate * channels * 2)
        .putShort((short) (channels * 2))
        .putShort((short) 16);
    b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
    b.put(Pcm16.toLittleEndian(samples));
    return b.array();
  }

  private static String tag(byte[] a, int off) {
    return new String(a, off, 4, StandardCharsets.ISO_8859_1);
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
    }
    return sb.toString();
  }
}
