package io.streamalign.features;

/**
 * Configuration of {@link VideoFeaturizer}: output size, channel count and standardization.
 *
 * @param width output width in pixels
 * @param height output height in pixels
 * @param channels 1 (gray; colour input is converted with BT.601 luma weights) or 3 (RGB; gray
 *     input is replicated)
 * @param standardization how the [0, 1] values are standardized
 */
public record VideoFeatureConfig(
    int width, int height, int channels, Standardization standardization) {

  /** Largest accepted input or output side, in pixels. */
  public static final int MAX_SIDE = 8192;

  /** Largest accepted input frame in pixels (4K UHD, 3840 x 2160), checked before decoding. */
  public static final long MAX_PIXELS = 3840L * 2160L;

  /** Standardization applied after scaling pixels to [0, 1]. */
  public enum Standardization {
    /**
     * Subtract the frame's mean and divide by its standard deviation (all zeros for a constant
     * frame).
     */
    PER_SAMPLE,
    /** Fixed MNIST statistics: {@code (x - 0.1307) / 0.3081}, the same for every channel. */
    MNIST,
    /** Keep the [0, 1] values. */
    NONE
  }

  public static final double MNIST_MEAN = 0.1307;
  public static final double MNIST_STD = 0.3081;

  public VideoFeatureConfig {
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
      throw new IllegalArgumentException(
          "width/height must be in [1, " + MAX_SIDE + "]: " + width + "x" + height);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3: " + channels);
    }
    if (standardization == null) {
      throw new IllegalArgumentException("standardization is null");
    }
  }

  /** 28x28, 1 channel, per-sample standardization (the digit data). */
  public static VideoFeatureConfig defaults() {
    return new VideoFeatureConfig(28, 28, 1, Standardization.PER_SAMPLE);
  }

  /** {@code width x height x channels} with per-sample standardization. */
  public static VideoFeatureConfig of(int width, int height, int channels) {
    return new VideoFeatureConfig(width, height, channels, Standardization.PER_SAMPLE);
  }

  public VideoFeatureConfig withStandardization(Standardization s) {
    return new VideoFeatureConfig(width, height, channels, s);
  }

  /** Length of the flattened output, {@code channels * height * width}. */
  public int outputLength() {
    return channels * height * width;
  }
}
