package io.streamalign.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.VideoFeatureConfig.Standardization;
import io.streamalign.features.data.Mnist;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class VideoFeaturizerTest {
  private final VideoFeaturizer raw =
      new VideoFeaturizer(VideoFeatureConfig.defaults().withStandardization(Standardization.NONE));

  private static byte[] pattern(int w, int h, int c) {
    byte[] b = new byte[w * h * c];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) ((i * 37 + 11) % 256);
    }
    return b;
  }

  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format);
    return out.toByteArray();
  }

  @Test
  void raw8SameSizeIsIdentityScaledToUnitRange() {
    byte[] px = pattern(28, 28, 1);
    float[] f = raw.featurize(28, 28, 1, "RAW8", px);
    assertEquals(784, f.length);
    for (int i = 0; i < 784; i++) {
      assertEquals((px[i] & 0xff) / 255f, f[i], 1e-6);
    }
    assertArrayEquals(f, raw.featurize(28, 28, 1, "raw8", px), "encoding is case-insensitive");
  }

  @Test
  void perSampleStandardizationGivesZeroMeanUnitStd() {
    float[] f = new VideoFeaturizer().featurize(28, 28, 1, "RAW8", pattern(28, 28, 1));
    double mean = 0;
    for (float v : f) {
      mean += v;
    }
    mean /= f.length;
    double var = 0;
    for (float v : f) {
      var += (v - mean) * (v - mean);
    }
    assertEquals(0, mean, 1e-5);
    assertEquals(1, Math.sqrt(var / f.length), 1e-4);
  }

  @Test
  void constantFrameGivesZerosAndMnistStatsAreFixed() {
    float[] f = new VideoFeaturizer().featurize(28, 28, 1, "RAW8", new byte[784]);
    for (float v : f) {
      assertEquals(0f, v);
    }
    VideoFeaturizer mnist =
        new VideoFeaturizer(
            VideoFeatureConfig.defaults().withStandardization(Standardization.MNIST));
    float[] m = mnist.featurize(28, 28, 1, "RAW8", new byte[784]);
    assertEquals((float) (-0.1307 / 0.3081), m[0], 1e-6);
    byte[] full = new byte[784];
    java.util.Arrays.fill(full, (byte) 255);
    assertEquals(
        (float) ((1 - 0.1307) / 0.3081), mnist.featurize(28, 28, 1, "RAW8", full)[5], 1e-6);
  }

  @Test
  void grayPngDecodesExactly() throws IOException {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    byte[] px = pattern(28, 28, 1);
    img.getRaster().setDataElements(0, 0, 28, 28, px);
    byte[] png = encode(img, "png");
    assertArrayEquals(raw.featurize(28, 28, 1, "RAW8", px), raw.featurize(28, 28, 1, "PNG", png));
    assertArrayEquals(
        raw.featurize(28, 28, 1, "RAW8", px),
        raw.featurize(0, 0, 0, "PNG", png),
        "size 0 = unknown");
  }

  @Test
  void sixteenBitAndOneBitGrayPngs() throws IOException {
    BufferedImage g16 = new BufferedImage(4, 2, BufferedImage.TYPE_USHORT_GRAY);
    short[] v16 = {0, 1000, 20000, (short) 65535, 300, (short) 40000, 12345, 7};
    g16.getRaster().setDataElements(0, 0, 4, 2, v16);
    VideoFeaturizer f16 =
        new VideoFeaturizer(
            VideoFeatureConfig.of(4, 2, 1).withStandardization(Standardization.NONE));
    float[] out = f16.featurize(4, 2, 1, "PNG", encode(g16, "png"));
    for (int i = 0; i < v16.length; i++) {
      assertEquals((v16[i] & 0xffff) / 65535f, out[i], 1e-6, "pixel " + i);
    }
    BufferedImage bin = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY);
    bin.setRGB(1, 0, 0xffffff);
    bin.setRGB(3, 1, 0xffffff);
    float[] b = f16.featurize(4, 2, 1, "PNG", encode(bin, "png"));
    assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0, 0, 1}, b);
  }

  @Test
  void rgbPngAndRgb24ConvertToLumaOrKeepChannels() throws IOException {
    byte[] rgb = pattern(20, 10, 3);
    BufferedImage img = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        int i = (y * 20 + x) * 3;
        img.setRGB(x, y, (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
      }
    }
    VideoFeaturizer gray =
        new VideoFeaturizer(
            VideoFeatureConfig.of(20, 10, 1).withStandardization(Standardization.NONE));
    float[] fromPng = gray.featurize(20, 10, 3, "PNG", encode(img, "png"));
    float[] fromRaw = gray.featurize(20, 10, 3, "RGB24", rgb);
    assertArrayEquals(fromRaw, fromPng);
    int i = (3 * 20 + 7) * 3;
    double luma =
        (0.299 * (rgb[i] & 0xff) + 0.587 * (rgb[i + 1] & 0xff) + 0.114 * (rgb[i + 2] & 0xff)) / 255;
    assertEquals(luma, fromRaw[3 * 20 + 7], 1e-6);

    VideoFeaturizer color =
        new VideoFeaturizer(
            VideoFeatureConfig.of(20, 10, 3).withStandardization(Standardization.NONE));
    float[] chw = color.featurize(20, 10, 3, "RGB24", rgb);
    assertEquals(600, chw.length);
    assertEquals((rgb[i + 1] & 0xff) / 255f, chw[200 + 3 * 20 + 7], 1e-6); // green plane
    assertArrayEquals(chw, color.featurize(20, 10, 3, "RAW8", rgb), "RAW8 with 3 channels = RGB24");
  }

  @Test
  void grayIsReplicatedToThreeChannels() {
    VideoFeaturizer color =
        new VideoFeaturizer(
            VideoFeatureConfig.of(28, 28, 3).withStandardization(Standardization.NONE));
    float[] f = color.featurize(28, 28, 1, "RAW8", pattern(28, 28, 1));
    assertArrayEquals(
        java.util.Arrays.copyOfRange(f, 0, 784), java.util.Arrays.copyOfRange(f, 784, 1568));
    assertArrayEquals(
        java.util.Arrays.copyOfRange(f, 0, 784), java.util.Arrays.copyOfRange(f, 1568, 2352));
    assertArrayEquals(new int[] {3, 28, 28}, color.shape());
  }

  @Test
  void jpegDecodesCloseToSource() throws IOException {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    byte[] px = new byte[784];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        px[y * 28 + x] = (byte) (x * 9); // smooth ramp: JPEG keeps it well
      }
    }
    img.getRaster().setDataElements(0, 0, 28, 28, px);
    float[] a = raw.featurize(28, 28, 1, "RAW8", px);
    float[] b = raw.featurize(28, 28, 1, "JPEG", encode(img, "jpg"));
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err += Math.abs(a[i] - b[i]);
    }
    assertTrue(err / a.length < 0.03, "mean abs JPEG error " + err / a.length);
  }

  @Test
  void downscale56To28AveragesBlocks() {
    byte[] px = pattern(56, 56, 1);
    float[] f = raw.featurize(56, 56, 1, "RAW8", px);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        double avg =
            ((px[(2 * y) * 56 + 2 * x] & 0xff)
                    + (px[(2 * y) * 56 + 2 * x + 1] & 0xff)
                    + (px[(2 * y + 1) * 56 + 2 * x] & 0xff)
                    + (px[(2 * y + 1) * 56 + 2 * x + 1] & 0xff))
                / 4.0
                / 255;
        assertEquals(avg, f[y * 28 + x], 1e-5, "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void arbitraryResizesPreserveConstantsAndMean() {
    byte[] flat = new byte[37 * 53];
    java.util.Arrays.fill(flat, (byte) 200);
    for (int[] size : new int[][] {{53, 37}, {14, 14}, {640, 480}}) {
      byte[] in = size[0] == 53 ? flat : new byte[size[0] * size[1]];
      if (size[0] != 53) {
        java.util.Arrays.fill(in, (byte) 200);
      }
      float[] f = raw.featurize(size[0], size[1], 1, "RAW8", in);
      for (float v : f) {
        assertEquals(200 / 255f, v, 1e-5, "constant image resized from " + size[0] + "x" + size[1]);
      }
    }
    // bilinear enlarging of a horizontal ramp stays monotone
    byte[] ramp = new byte[14 * 14];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = (byte) ((i % 14) * 18);
    }
    float[] up = raw.featurize(14, 14, 1, "RAW8", ramp);
    for (int x = 1; x < 28; x++) {
      assertTrue(up[5 * 28 + x] >= up[5 * 28 + x - 1]);
    }
    assertEquals(0f, up[0], 1e-6);
    assertEquals(234 / 255f, up[27], 1e-6);
  }

  @Test
  void realMnistImage() {
    Mnist m = TestData.mnistOrSkip();
    float[] f = new VideoFeaturizer().featurize(28, 28, 1, "RAW8", m.image(0));
    assertEquals(784, f.length);
    for (float v : f) {
      assertTrue(Float.isFinite(v));
    }
    // MNIST digits are mostly background: the background pixel lands below the mean
    assertTrue(f[0] < 0);
  }

  @Test
  void badInputThrowsFeatureException() {
    VideoFeaturizer v = new VideoFeaturizer();
    FeatureException e =
        assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "RAW8", new byte[783]));
    assertTrue(e.getMessage().contains("784"), e.getMessage());
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 3, "RGB24", new byte[784]));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "RGB24", new byte[784]));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 2, "RAW8", new byte[784 * 2]));
    assertThrows(FeatureException.class, () -> v.featurize(0, 28, 1, "RAW8", new byte[0]));
    assertThrows(FeatureException.class, () -> v.featurize(-28, -28, 1, "RAW8", new byte[784]));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "H264", new byte[784]));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, null, new byte[784]));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "RAW8", null));
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "PNG", pattern(100, 1, 1)));
    byte[] truncated;
    try {
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      byte[] png = encode(img, "png");
      truncated = java.util.Arrays.copyOf(png, png.length / 2);
      assertThrows(
          FeatureException.class,
          () -> v.featurize(28, 29, 1, "PNG", png),
          "declared size mismatch");
    } catch (IOException ex) {
      throw new AssertionError(ex);
    }
    assertThrows(FeatureException.class, () -> v.featurize(28, 28, 1, "PNG", truncated));
    assertThrows(IllegalArgumentException.class, () -> VideoFeatureConfig.of(28, 28, 2));
    try {
      byte[] huge = encode(new BufferedImage(8000, 8000, BufferedImage.TYPE_BYTE_BINARY), "png");
      FeatureException big =
          assertThrows(FeatureException.class, () -> v.featurize(0, 0, 1, "PNG", huge));
      assertTrue(big.getMessage().contains("pixels"), big.getMessage());
    } catch (IOException ex) {
      throw new AssertionError(ex);
    }
  }
}
