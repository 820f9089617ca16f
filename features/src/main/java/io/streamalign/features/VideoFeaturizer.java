package io.streamalign.features;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Featurizer for video frames: decode, convert channels, resize, scale to [0, 1], standardize.
 *
 * <p>Encodings ({@code encoding} is matched case-insensitively, the names of the schemas' {@code
 * FrameEncoding}):
 *
 * <ul>
 *   <li>{@code RAW8}: 8-bit samples, row-major, {@code channels} (1 or 3) interleaved per pixel;
 *       length must be {@code width * height * channels}.
 *   <li>{@code RGB24}: 8-bit R, G, B interleaved; {@code channels} must be 3 and the length {@code
 *       width * height * 3}.
 *   <li>{@code PNG}, {@code JPEG}: decoded with ImageIO; gray images are read from the raster (no
 *       colour-space conversion), others as sRGB; alpha is ignored. {@code width}/{@code height}
 *       may be 0 (unknown); when positive they must match the decoded image. {@code channels} is
 *       not checked.
 * </ul>
 *
 * <p>Channel conversion: to 1 channel by BT.601 luma {@code 0.299 R + 0.587 G + 0.114 B}; to 3 by
 * replicating gray. Resizing is separable with pixel-centre alignment ({@code
 * align_corners=false}): bilinear interpolation when enlarging an axis, area averaging (exact
 * pixel-coverage box filter, which avoids aliasing) when shrinking it; a factor-2 shrink gives the
 * same result both ways. The output is channel-major {@code out[(c * H + y) * W + x]}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class VideoFeaturizer {
  private static final double MIN_STD = 1e-6;

  private final VideoFeatureConfig cfg;

  public VideoFeaturizer(VideoFeatureConfig cfg) {
    this.cfg = cfg;
  }

  /** Featurizer with {@link VideoFeatureConfig#defaults()}. */
  public VideoFeaturizer() {
    this(VideoFeatureConfig.defaults());
  }

  public VideoFeatureConfig config() {
    return cfg;
  }

  /** Output shape {@code {channels, height, width}}. */
  public int[] shape() {
    return new int[] {cfg.channels(), cfg.height(), cfg.width()};
  }

  /**
   * Features of one frame: {@code channels x height x width} values.
   *
   * @throws FeatureException on an unknown encoding, a wrong data length, undecodable bytes, bad
   *     dimensions or a non-finite result
   */
  public float[] featurize(int width, int height, int channels, String encoding, byte[] data) {
    if (encoding == null) {
      throw new FeatureException("frame encoding is null");
    }
    if (data == null || data.length == 0) {
      throw new FeatureException("frame data is empty");
    }
    double[][] planes; // [c][h*w] in [0, 1]
    int w;
    int h;
    switch (encoding.toUpperCase(Locale.ROOT)) {
      case "RAW8" -> {
        checkDims(width, height);
        if (channels != 1 && channels != 3) {
          throw new FeatureException("RAW8 frame must have 1 or 3 channels: " + channels);
        }
        checkLength(width, height, channels, data.length, "RAW8");
        planes = deinterleave(data, width * height, channels);
        w = width;
        h = height;
      }
      case "RGB24" -> {
        checkDims(width, height);
        if (channels != 3) {
          throw new FeatureException("RGB24 frame must have 3 channels: " + channels);
        }
        checkLength(width, height, 3, data.length, "RGB24");
        planes = deinterleave(data, width * height, 3);
        w = width;
        h = height;
      }
      case "PNG", "JPEG", "JPG" -> {
        BufferedImage img = decode(data, encoding);
        w = img.getWidth();
        h = img.getHeight();
        if ((width > 0 && width != w) || (height > 0 && height != h)) {
          throw new FeatureException(
              "declared size "
                  + width
                  + "x"
                  + height
                  + " does not match decoded "
                  + encoding
                  + " size "
                  + w
                  + "x"
                  + h);
        }
        planes = planes(img);
      }
      default ->
          throw new FeatureException(
              "unsupported frame encoding '" + encoding + "' (RAW8, RGB24, PNG, JPEG)");
    }
    double[][] conv = convertChannels(planes, cfg.channels());
    float[] out = new float[cfg.outputLength()];
    int plane = cfg.width() * cfg.height();
    for (int c = 0; c < conv.length; c++) {
      double[] r = resize(conv[c], w, h, cfg.width(), cfg.height());
      for (int i = 0; i < plane; i++) {
        out[c * plane + i] = (float) r[i];
      }
    }
    standardize(out);
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new FeatureException("non-finite video feature at index " + i);
      }
    }
    return out;
  }

  private static void checkDims(int width, int height) {
    if (width < 1
        || height < 1
        || width > VideoFeatureConfig.MAX_SIDE
        || height > VideoFeatureConfig.MAX_SIDE
        || (long) width * height > VideoFeatureConfig.MAX_PIXELS) {
      throw new FeatureException(
          "bad frame size "
              + width
              + "x"
              + height
              + " (each side 1.."
              + VideoFeatureConfig.MAX_SIDE
              + ", at most "
              + VideoFeatureConfig.MAX_PIXELS
              + " pixels)");
    }
  }

  private static void checkLength(int width, int height, int channels, int length, String enc) {
    long expected = (long) width * height * channels;
    if (length != expected) {
      throw new FeatureException(
          enc
              + " frame "
              + width
              + "x"
              + height
              + "x"
              + channels
              + " needs "
              + expected
              + " bytes, got "
              + length);
    }
  }

  private static double[][] deinterleave(byte[] data, int pixels, int channels) {
    double[][] p = new double[channels][pixels];
    for (int i = 0; i < pixels; i++) {
      for (int c = 0; c < channels; c++) {
        p[c][i] = (data[i * channels + c] & 0xff) / 255.0;
      }
    }
    return p;
  }

  private static BufferedImage decode(byte[] data, String encoding) {
    // In-memory stream: ImageIO.createImageInputStream would spool to a temp file when its cache is
    // on.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new FeatureException(
            "cannot decode "
                + encoding
                + " frame: no image reader recognizes the "
                + data.length
                + " bytes");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        checkDims(w, h); // before allocating the pixels (decompression bombs)
        BufferedImage img = reader.read(0);
        if (img == null) {
          throw new FeatureException("cannot decode " + encoding + " frame");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof FeatureException fe) {
        throw fe;
      }
      throw new FeatureException("cannot decode " + encoding + " frame: " + e, e);
    }
  }

  /** Planes in [0, 1]: one for gray images (read from the raster), three (sRGB) otherwise. */
  private static double[][] planes(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    Raster raster = img.getRaster();
    boolean gray =
        img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
            && raster.getNumBands() <= 2;
    if (gray) {
      int bits = img.getColorModel().getComponentSize(0);
      double max = (1L << bits) - 1;
      double[] p = new double[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          p[y * w + x] = raster.getSample(x, y, 0) / max;
        }
      }
      return new double[][] {p};
    }
    double[][] p = new double[3][w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = img.getRGB(x, y);
        p[0][y * w + x] = ((argb >> 16) & 0xff) / 255.0;
        p[1][y * w + x] = ((argb >> 8) & 0xff) / 255.0;
        p[2][y * w + x] = (argb & 0xff) / 255.0;
      }
    }
    return p;
  }

  private static double[][] convertChannels(double[][] planes, int want) {
    if (planes.length == want) {
      return planes;
    }
    if (want == 3) {
      return new double[][] {planes[0], planes[0], planes[0]};
    }
    double[] g = new double[planes[0].length];
    for (int i = 0; i < g.length; i++) {
      g[i] = 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i];
    }
    return new double[][] {g};
  }

  /** Separable resize of one plane (see the class comment). */
  static double[] resize(double[] src, int sw, int sh, int dw, int dh) {
    if (sw == dw && sh == dh) {
      return src;
    }
    Taps tx = taps(sw, dw);
    Taps ty = taps(sh, dh);
    double[] tmp = new double[dw * sh];
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < dw; x++) {
        double acc = 0;
        for (int j = 0; j < tx.index[x].length; j++) {
          acc += tx.weight[x][j] * src[y * sw + tx.index[x][j]];
        }
        tmp[y * dw + x] = acc;
      }
    }
    double[] out = new double[dw * dh];
    for (int y = 0; y < dh; y++) {
      for (int x = 0; x < dw; x++) {
        double acc = 0;
        for (int j = 0; j < ty.index[y].length; j++) {
          acc += ty.weight[y][j] * tmp[ty.index[y][j] * dw + x];
        }
        out[y * dw + x] = acc;
      }
    }
    return out;
  }

  private record Taps(int[][] index, double[][] weight) {}

  private static Taps taps(int n, int m) {
    int[][] idx = new int[m][];
    double[][] wt = new double[m][];
    double scale = (double) n / m;
    for (int o = 0; o < m; o++) {
      if (n == m) {
        idx[o] = new int[] {o};
        wt[o] = new double[] {1};
      } else if (m > n) { // bilinear, pixel centres aligned
        double s = Math.min(n - 1, Math.max(0, (o + 0.5) * scale - 0.5));
        int i0 = (int) Math.floor(s);
        int i1 = Math.min(n - 1, i0 + 1);
        double f = s - i0;
        idx[o] = new int[] {i0, i1};
        wt[o] = new double[] {1 - f, f};
      } else { // area average over [o * scale, (o + 1) * scale)
        double a = o * scale;
        double b = (o + 1) * scale;
        int i0 = (int) Math.floor(a);
        int i1 = Math.min(n - 1, (int) Math.ceil(b) - 1);
        idx[o] = new int[i1 - i0 + 1];
        wt[o] = new double[i1 - i0 + 1];
        for (int i = i0; i <= i1; i++) {
          double cover = Math.min(b, i + 1) - Math.max(a, i);
          idx[o][i - i0] = i;
          wt[o][i - i0] = cover / scale;
        }
      }
    }
    return new Taps(idx, wt);
  }

  private void standardize(float[] v) {
    switch (cfg.standardization()) {
      case NONE -> {}
      case MNIST -> {
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) ((v[i] - VideoFeatureConfig.MNIST_MEAN) / VideoFeatureConfig.MNIST_STD);
        }
      }
      case PER_SAMPLE -> {
        double sum = 0;
        for (float x : v) {
          sum += x;
        }
        double mean = sum / v.length;
        double sq = 0;
        for (float x : v) {
          sq += (x - mean) * (x - mean);
        }
        double std = Math.sqrt(sq / v.length);
        double scale = std < MIN_STD ? 0 : 1 / std;
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) ((v[i] - mean) * scale);
        }
      }
    }
  }
}
