package io.streamalign.ingest.source.files;

import io.streamalign.features.FeatureException;
import io.streamalign.features.data.Wav;
import io.streamalign.schemas.avro.FrameEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * Grouping and reading of a class-folder directory ({@code
 * DIR/<className>/*.wav|*.png|*.jpg|*.jpeg|*.txt}).
 *
 * <p>{@link #scan} groups the files of each class folder by base name into {@link FileSample}s;
 * {@link #read} reads one sample's files, reporting each file it cannot use as a {@link
 * FileProblem} instead of throwing. Hidden files, files directly in {@code DIR}, and other
 * extensions are ignored.
 */
public final class FileSamples {

  /** Largest file the source reads (a record must fit the producer's 8 MiB request limit). */
  public static final long MAX_FILE_BYTES = 6L * 1024 * 1024;

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private FileSamples() {}

  /** The kind of a supported file, from its extension (case-insensitive). */
  enum Kind {
    IMAGE,
    AUDIO,
    TEXT
  }

  /**
   * Result of a scan.
   *
   * @param classes class folder names, sorted
   * @param samples samples, sorted by class then base name
   * @param problems files that were left out while grouping (e.g. a second image with the same base
   *     name)
   */
  public record Scan(List<String> classes, List<FileSample> samples, List<FileProblem> problems) {}

  /** An image file as sent: its bytes unchanged, with the encoding found from its magic bytes. */
  public record Image(FrameEncoding encoding, int width, int height, int channels, byte[] data) {}

  /**
   * What could be read of one sample.
   *
   * @param image decoded-size image or null
   * @param audio parsed WAV or null
   * @param text trimmed text or null
   */
  public record Loaded(FileSample sample, Image image, Wav.Audio audio, String text) {
    /** True when no file of the sample could be used. */
    public boolean isEmpty() {
      return image == null && audio == null && text == null;
    }
  }

  /**
   * Groups the files of every class folder of {@code dir}.
   *
   * @throws IllegalArgumentException if {@code dir} is not a directory
   * @throws UncheckedIOException if {@code dir} itself cannot be listed
   */
  public static Scan scan(Path dir) {
    Objects.requireNonNull(dir, "dir");
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("files source: " + dir + " is not a directory");
    }
    List<Path> classDirs = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!hidden(p) && Files.isDirectory(p)) classDirs.add(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("files source: cannot list " + dir + ": " + e.getMessage(), e);
    }
    classDirs.sort(Comparator.comparing(p -> p.getFileName().toString()));
    List<String> classes = new ArrayList<>();
    List<FileSample> samples = new ArrayList<>();
    List<FileProblem> problems = new ArrayList<>();
    for (Path classDir : classDirs) {
      String cls = classDir.getFileName().toString();
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(classDir)) {
        for (Path p : ds) {
          if (!hidden(p) && kind(p) != null && !Files.isDirectory(p)) files.add(p);
        }
      } catch (IOException e) {
        problems.add(new FileProblem(classDir, "cannot list class folder: " + e));
        continue;
      }
      files.sort(Comparator.comparing(p -> p.getFileName().toString()));
      Map<String, Path[]> byBase = new TreeMap<>();
      for (Path f : files) {
        Path[] slots = byBase.computeIfAbsent(baseName(f), b -> new Path[3]);
        int k = kind(f).ordinal();
        if (slots[k] != null) {
          problems.add(
              new FileProblem(
                  f,
                  "duplicate "
                      + kind(f).name().toLowerCase(Locale.ROOT)
                      + " for sample "
                      + cls
                      + "/"
                      + baseName(f)
                      + " (already using "
                      + slots[k].getFileName()
                      + ")"));
        } else {
          slots[k] = f;
        }
      }
      if (byBase.isEmpty()) continue;
      classes.add(cls);
      byBase.forEach((base, s) -> samples.add(new FileSample(cls, base, s[0], s[1], s[2])));
    }
    return new Scan(List.copyOf(classes), List.copyOf(samples), List.copyOf(problems));
  }

  /**
   * Orders samples so that classes alternate: the first sample of each class, then the second, ...
   */
  public static List<FileSample> interleaveClasses(List<FileSample> samples) {
    Map<String, List<FileSample>> byClass = new TreeMap<>();
    for (FileSample s : samples)
      byClass.computeIfAbsent(s.className(), c -> new ArrayList<>()).add(s);
    List<FileSample> out = new ArrayList<>(samples.size());
    for (int i = 0; out.size() < samples.size(); i++) {
      for (List<FileSample> l : byClass.values()) {
        if (i < l.size()) out.add(l.get(i));
      }
    }
    return out;
  }

  /**
   * Reads the files of {@code sample}; each file that cannot be used is passed to {@code problems}
   * with the reason and left out of the result. Never throws for bad file content.
   */
  public static Loaded read(FileSample sample, Consumer<FileProblem> problems) {
    Image image = null;
    Wav.Audio audio = null;
    String text = null;
    if (sample.image() != null) {
      try {
        image = readImage(sample.image());
      } catch (IOException | RuntimeException e) {
        problems.accept(new FileProblem(sample.image(), reason(e)));
      }
    }
    if (sample.audio() != null) {
      try {
        audio = readWav(sample.audio());
      } catch (IOException | RuntimeException e) {
        problems.accept(new FileProblem(sample.audio(), reason(e)));
      }
    }
    if (sample.text() != null) {
      try {
        text = readText(sample.text());
      } catch (IOException | RuntimeException e) {
        problems.accept(new FileProblem(sample.text(), reason(e)));
      }
    }
    return new Loaded(sample, image, audio, text);
  }

  /**
   * Reads a PNG or JPEG file: the bytes as-is, with the size and color channels (1 gray, 3 color)
   * decoded.
   */
  public static Image readImage(Path file) throws IOException {
    byte[] data = readBounded(file);
    FrameEncoding enc;
    if (startsWith(data, PNG_MAGIC)) {
      enc = FrameEncoding.PNG;
    } else if (data.length >= 3
        && (data[0] & 0xff) == 0xff
        && (data[1] & 0xff) == 0xd8
        && (data[2] & 0xff) == 0xff) {
      enc = FrameEncoding.JPEG;
    } else {
      throw new IOException("not a PNG or JPEG file (no PNG/JPEG signature in its first bytes)");
    }
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(data));
    } catch (IOException | RuntimeException e) {
      throw new IOException("undecodable " + enc + ": " + reason(e), e);
    }
    if (img == null)
      throw new IOException("undecodable " + enc + ": no ImageIO reader accepted it");
    if (img.getWidth() <= 0 || img.getHeight() <= 0) {
      throw new IOException("empty " + enc + " image " + img.getWidth() + "x" + img.getHeight());
    }
    int channels = img.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
    return new Image(enc, img.getWidth(), img.getHeight(), channels, data);
  }

  /** Reads a PCM16 WAV file with the features module's {@link Wav} parser. */
  public static Wav.Audio readWav(Path file) throws IOException {
    byte[] data = readBounded(file);
    Wav.Audio a;
    try {
      a = Wav.parse(data);
    } catch (FeatureException e) {
      throw new IOException("bad WAV: " + e.getMessage(), e);
    }
    if (a.frames() == 0) throw new IOException("WAV has no samples");
    return a;
  }

  /** Reads strict UTF-8 text (a byte-order mark is dropped), trimmed; empty text is an error. */
  public static String readText(Path file) throws IOException {
    byte[] data = readBounded(file);
    String s;
    try {
      s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(data))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text: " + e, e);
    }
    if (s.startsWith("\uFEFF")) s = s.substring(1);
    s = s.strip();
    if (s.isEmpty()) throw new IOException("empty text");
    return s;
  }

  static Kind kind(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) return Kind.IMAGE;
    if (n.endsWith(".wav")) return Kind.AUDIO;
    if (n.endsWith(".txt")) return Kind.TEXT;
    return null;
  }

  static String baseName(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot <= 0 ? n : n.substring(0, dot);
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  private static byte[] readBounded(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IOException(
          "file of " + size + " bytes exceeds the " + MAX_FILE_BYTES + "-byte limit");
    }
    if (size == 0) throw new IOException("empty file");
    return Files.readAllBytes(file);
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    if (a.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) {
      if (a[i] != prefix[i]) return false;
    }
    return true;
  }

  static String reason(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) return e.getClass().getSimpleName();
    return e instanceof java.nio.file.FileSystemException
        ? e.getClass().getSimpleName() + ": " + m
        : m;
  }
}
