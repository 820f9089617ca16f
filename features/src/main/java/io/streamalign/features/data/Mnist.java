package io.streamalign.features.data;

import io.streamalign.features.FeatureException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The MNIST t10k images and labels, read from the original gzipped IDX files.
 *
 * <p>IDX layout (big-endian ints): images magic 2051, count, rows, cols, then {@code count * rows *
 * cols} unsigned bytes; labels magic 2049, count, then {@code count} bytes 0-9. Magic numbers,
 * counts, label range and exact file length are checked; a violation raises {@link
 * FeatureException} naming the file and the offending value, an I/O failure (e.g. a missing file)
 * {@link UncheckedIOException}.
 */
public final class Mnist {
  public static final String IMAGES = "mnist/t10k-images-idx3-ubyte.gz";
  public static final String LABELS = "mnist/t10k-labels-idx1-ubyte.gz";
  public static final int IMAGE_MAGIC = 2051;
  public static final int LABEL_MAGIC = 2049;

  private final int rows;
  private final int cols;
  private final byte[] pixels;
  private final byte[] labels;

  private Mnist(int rows, int cols, byte[] pixels, byte[] labels) {
    this.rows = rows;
    this.cols = cols;
    this.pixels = pixels;
    this.labels = labels;
  }

  /** Loads {@value #IMAGES} and {@value #LABELS} under {@code dataDir}. */
  public static Mnist load(Path dataDir) {
    Path images = dataDir.resolve(IMAGES);
    Path labels = dataDir.resolve(LABELS);
    try (InputStream im =
            new GZIPInputStream(new BufferedInputStream(Files.newInputStream(images)), 1 << 16);
        InputStream lb =
            new GZIPInputStream(new BufferedInputStream(Files.newInputStream(labels)))) {
      return read(im, images.toString(), lb, labels.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read MNIST from " + dataDir + ": " + e, e);
    }
  }

  /** Reads already-decompressed IDX streams (names are used in error messages only). */
  public static Mnist read(
      InputStream images, String imagesName, InputStream labels, String labelsName)
      throws IOException {
    DataInputStream im = new DataInputStream(new BufferedInputStream(images));
    int magic = header(im, imagesName);
    if (magic != IMAGE_MAGIC) {
      throw new FeatureException(
          imagesName + ": bad IDX image magic " + magic + " (expected " + IMAGE_MAGIC + ")");
    }
    int count = header(im, imagesName);
    int rows = header(im, imagesName);
    int cols = header(im, imagesName);
    if (count < 0 || rows < 1 || cols < 1 || (long) count * rows * cols > Integer.MAX_VALUE - 16) {
      throw new FeatureException(
          imagesName + ": bad IDX image dimensions " + count + "x" + rows + "x" + cols);
    }
    byte[] pixels = body(im, count * rows * cols, imagesName);

    DataInputStream lb = new DataInputStream(new BufferedInputStream(labels));
    magic = header(lb, labelsName);
    if (magic != LABEL_MAGIC) {
      throw new FeatureException(
          labelsName + ": bad IDX label magic " + magic + " (expected " + LABEL_MAGIC + ")");
    }
    int labelCount = header(lb, labelsName);
    if (labelCount != count) {
      throw new FeatureException(
          labelsName + ": " + labelCount + " labels for " + count + " images");
    }
    byte[] lab = body(lb, count, labelsName);
    for (int i = 0; i < count; i++) {
      if (lab[i] < 0 || lab[i] > 9) {
        throw new FeatureException(
            labelsName + ": label " + (lab[i] & 0xff) + " at index " + i + " is not a digit");
      }
    }
    return new Mnist(rows, cols, pixels, lab);
  }

  private static int header(DataInputStream in, String name) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new FeatureException(name + ": truncated IDX header", e);
    }
  }

  private static byte[] body(DataInputStream in, int n, String name) throws IOException {
    byte[] b = new byte[n];
    try {
      in.readFully(b);
    } catch (EOFException e) {
      throw new FeatureException(name + ": truncated IDX data (expected " + n + " bytes)", e);
    }
    if (in.read() != -1) {
      throw new FeatureException(name + ": trailing bytes after " + n + " bytes of IDX data");
    }
    return b;
  }

  /** Number of images (10,000 for t10k). */
  public int size() {
    return labels.length;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** A copy of image {@code i}: {@code rows * cols} unsigned pixels, row-major, 0 = background. */
  public byte[] image(int i) {
    byte[] out = new byte[rows * cols];
    System.arraycopy(pixels, checkIndex(i) * out.length, out, 0, out.length);
    return out;
  }

  /** Digit 0-9 of image {@code i}. */
  public int label(int i) {
    return labels[checkIndex(i)];
  }

  /** Number of images per digit 0-9. */
  public int[] classCounts() {
    int[] c = new int[10];
    for (byte l : labels) {
      c[l]++;
    }
    return c;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= labels.length) {
      throw new IndexOutOfBoundsException(
          "MNIST index " + i + " outside [0, " + labels.length + ")");
    }
    return i;
  }
}
