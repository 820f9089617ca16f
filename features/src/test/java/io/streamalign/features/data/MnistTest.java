package io.streamalign.features.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.FeatureException;
import io.streamalign.features.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {

  @Test
  void t10kHasDocumentedCounts() {
    Mnist m = TestData.mnistOrSkip();
    assertEquals(10_000, m.size());
    assertEquals(28, m.rows());
    assertEquals(28, m.cols());
    assertArrayEquals(
        new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, m.classCounts());
    assertEquals(7, m.label(0));
    assertEquals(2, m.label(1));
    assertEquals(784, m.image(0).length);
    int ink = 0;
    for (byte b : m.image(0)) {
      if ((b & 0xff) > 128) {
        ink++;
      }
    }
    assertTrue(ink > 50 && ink < 400, "ink pixels " + ink);
    m.image(0)[0] = 99; // a copy: the data set is unchanged
    assertEquals(0, m.image(0)[0]);
    assertThrows(IndexOutOfBoundsException.class, () -> m.image(10_000));
  }

  private static byte[] idx(int magic, int... headerAndBody) {
    ByteBuffer b = ByteBuffer.allocate(4 + headerAndBody.length * 4);
    b.putInt(magic);
    for (int v : headerAndBody) {
      b.putInt(v);
    }
    return b.array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] o = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, o, a.length, b.length);
    return o;
  }

  private static Mnist read(byte[] images, byte[] labels) throws IOException {
    return Mnist.read(
        new ByteArrayInputStream(images), "images", new ByteArrayInputStream(labels), "labels");
  }

  @Test
  void smallValidIdxRoundTrips() throws IOException {
    byte[] images =
        concat(idx(2051, 2, 2, 3), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 255});
    byte[] labels = concat(idx(2049, 2), new byte[] {3, 9});
    Mnist m = read(images, labels);
    assertEquals(2, m.size());
    assertArrayEquals(new byte[] {7, 8, 9, 10, 11, (byte) 255}, m.image(1));
    assertEquals(9, m.label(1));
  }

  @Test
  void corruptIdxGivesClearErrors() {
    byte[] goodLabels = concat(idx(2049, 1), new byte[] {3});
    byte[] goodImages = concat(idx(2051, 1, 1, 2), new byte[] {1, 2});
    FeatureException e =
        assertThrows(
            FeatureException.class,
            () -> read(concat(idx(2049, 1, 1, 2), new byte[2]), goodLabels));
    assertTrue(
        e.getMessage().contains("magic 2049") && e.getMessage().contains("2051"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class, () -> read(goodImages, concat(idx(2051, 1), new byte[] {3})));
    assertTrue(e.getMessage().contains("label magic"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> read(concat(idx(2051, 1, 1, 2), new byte[1]), goodLabels));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> read(concat(idx(2051, 1, 1, 2), new byte[3]), goodLabels));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> read(goodImages, concat(idx(2049, 2), new byte[] {3, 4})));
    assertTrue(e.getMessage().contains("2 labels for 1 images"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class, () -> read(goodImages, concat(idx(2049, 1), new byte[] {12})));
    assertTrue(e.getMessage().contains("not a digit"), e.getMessage());
    assertThrows(FeatureException.class, () -> read(new byte[3], goodLabels));
    assertThrows(FeatureException.class, () -> read(idx(2051, -1, 28, 28), goodLabels));
  }

  @Test
  void loadFromDirectoryChecksFiles(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("mnist"));
    assertThrows(UncheckedIOException.class, () -> Mnist.load(dir));
    gzip(dir.resolve(Mnist.IMAGES), concat(idx(0x1234, 1, 1, 1), new byte[1]));
    gzip(dir.resolve(Mnist.LABELS), concat(idx(2049, 1), new byte[] {1}));
    FeatureException e = assertThrows(FeatureException.class, () -> Mnist.load(dir));
    assertTrue(
        e.getMessage().contains("t10k-images-idx3-ubyte.gz") && e.getMessage().contains("magic"),
        e.getMessage());
    Files.write(dir.resolve(Mnist.IMAGES), new byte[] {1, 2, 3}); // not gzip at all
    assertThrows(UncheckedIOException.class, () -> Mnist.load(dir));
    gzip(dir.resolve(Mnist.IMAGES), concat(idx(2051, 1, 1, 1), new byte[] {(byte) 200}));
    Mnist m = Mnist.load(dir);
    assertEquals(1, m.size());
    assertEquals(200, m.image(0)[0] & 0xff);
  }

  private static void gzip(Path p, byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bos)) {
      out.write(data);
    }
    Files.write(p, bos.toByteArray());
  }
}
