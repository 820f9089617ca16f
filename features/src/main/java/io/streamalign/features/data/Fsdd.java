package io.streamalign.features.data;

import io.streamalign.features.FeatureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The Free Spoken Digit Dataset: 3,000 spoken digits, 8 kHz mono PCM16.
 *
 * <p>{@link #load(Path)} reads {@value #INDEX} and, for each row, the {@code size} bytes at {@code
 * tar_offset} in {@value #TAR} (no tar parsing). Each slice must match the row's sha256, be a PCM16
 * mono WAV ({@link Wav#parse}) and agree with the row's {@code sample_rate} and {@code frames};
 * otherwise {@link FeatureException} says which clip and why.
 */
public final class Fsdd {
  public static final String INDEX = "fsdd/index.csv";
  public static final String TAR = "fsdd/recordings.tar";

  private static final String[] WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
  };
  private static final String[] COLUMNS = {
    "path",
    "digit",
    "speaker",
    "index",
    "split",
    "tar_offset",
    "size",
    "sha256",
    "sample_rate",
    "channels",
    "bits",
    "frames"
  };

  private Fsdd() {}

  /**
   * One recording.
   *
   * @param path tar member name, e.g. {@code recordings/7_jackson_32.wav}
   * @param digit spoken digit 0-9
   * @param speaker speaker name
   * @param index take number 0-49 for this speaker and digit
   * @param split {@code "test"} for takes 0-4, else {@code "train"}
   * @param sampleRate Hz (8000)
   * @param pcm mono PCM16 samples
   */
  public record Clip(
      String path,
      int digit,
      String speaker,
      int index,
      String split,
      int sampleRate,
      short[] pcm) {
    public boolean isTest() {
      return "test".equals(split);
    }

    /** The English word for the digit ("zero" .. "nine"): the clip's true transcript. */
    public String word() {
      return digitWord(digit);
    }

    public double durationSeconds() {
      return (double) pcm.length / sampleRate;
    }

    /** The clip as a canonical PCM16 WAV file. */
    public byte[] toWav() {
      return Wav.write(pcm, sampleRate, 1);
    }
  }

  /** "zero" .. "nine". */
  public static String digitWord(int digit) {
    if (digit < 0 || digit > 9) {
      throw new IllegalArgumentException("not a digit: " + digit);
    }
    return WORDS[digit];
  }

  /** All clips in index order (sorted by path). */
  public static List<Clip> load(Path dataDir) {
    Path index = dataDir.resolve(INDEX);
    Path tar = dataDir.resolve(TAR);
    List<String> lines;
    try {
      lines = Files.readAllLines(index, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read FSDD index " + index + ": " + e, e);
    }
    if (lines.isEmpty()) {
      throw new FeatureException(index + ": empty index");
    }
    int[] col = columns(lines.get(0), index);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<Clip> clips = new ArrayList<>(lines.size() - 1);
    try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
      long tarSize = ch.size();
      for (int ln = 1; ln < lines.size(); ln++) {
        String line = lines.get(ln);
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != COLUMNS.length) {
          throw new FeatureException(
              index
                  + " line "
                  + (ln + 1)
                  + ": "
                  + f.length
                  + " fields, expected "
                  + COLUMNS.length);
        }
        String where = index + " line " + (ln + 1) + " (" + f[col[0]] + ")";
        try {
          int digit = Integer.parseInt(f[col[1]]);
          int take = Integer.parseInt(f[col[3]]);
          long offset = Long.parseLong(f[col[5]]);
          int size = Integer.parseInt(f[col[6]]);
          int rate = Integer.parseInt(f[col[8]]);
          long frames = Long.parseLong(f[col[11]]);
          if (digit < 0 || digit > 9) {
            throw new FeatureException(where + ": digit " + digit + " out of range");
          }
          if (offset < 0 || size < 0 || offset + size > tarSize) {
            throw new FeatureException(
                where
                    + ": slice "
                    + offset
                    + "+"
                    + size
                    + " outside "
                    + tar
                    + " ("
                    + tarSize
                    + " bytes)");
          }
          ByteBuffer buf = ByteBuffer.allocate(size);
          while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
              throw new FeatureException(where + ": unexpected end of " + tar);
            }
          }
          byte[] bytes = buf.array();
          String want = f[col[7]].trim();
          if (!want.isEmpty()) {
            String got = HexFormat.of().formatHex(sha.digest(bytes));
            if (!got.equalsIgnoreCase(want)) {
              throw new FeatureException(where + ": sha256 " + got + " != index " + want);
            }
          }
          Wav.Audio wav;
          try {
            wav = Wav.parse(bytes);
          } catch (FeatureException e) {
            throw new FeatureException(where + ": " + e.getMessage(), e);
          }
          if (wav.channels() != 1) {
            throw new FeatureException(where + ": " + wav.channels() + " channels, expected mono");
          }
          if (wav.sampleRate() != rate) {
            throw new FeatureException(
                where + ": WAV rate " + wav.sampleRate() + " != index " + rate);
          }
          if (wav.frames() != frames) {
            throw new FeatureException(
                where + ": WAV has " + wav.frames() + " frames, index says " + frames);
          }
          clips.add(new Clip(f[col[0]], digit, f[col[2]], take, f[col[4]], rate, wav.samples()));
        } catch (NumberFormatException e) {
          throw new FeatureException(where + ": bad number: " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read FSDD recordings " + tar + ": " + e, e);
    }
    return clips;
  }

  private static int[] columns(String header, Path index) {
    String[] h = header.trim().split(",", -1);
    int[] col = new int[COLUMNS.length];
    for (int c = 0; c < COLUMNS.length; c++) {
      col[c] = -1;
      for (int i = 0; i < h.length; i++) {
        if (h[i].trim().equals(COLUMNS[c])) {
          col[c] = i;
        }
      }
      if (col[c] < 0) {
        throw new FeatureException(index + ": header lacks column '" + COLUMNS[c] + "': " + header);
      }
    }
    return col;
  }
}
