package io.streamalign.eval.pmr;

import io.streamalign.features.data.Mnist;
import java.util.Random;

/**
 * Colored-and-gray MNIST (PMR's CG-MNIST) built from the MNIST t10k images.
 *
 * <p>Split (fixed, documented): images {@value #TRAIN_END} and above are never used for training;
 * the training set is images {@code [0, nTrain)} ({@code nTrain <= 8000}), the test set images
 * {@code [8000, 8000 + nTest)} ({@code nTest <= 2000}). Modality 1 is the gray digit (1 x 28 x 28,
 * pixel / 255). Modality 2 is a monochrome coloured copy (3 x 28 x 28): every channel is the gray
 * intensity times one stroke colour, on a black background, as in the coloured MNIST of "Learning
 * Not to Learn" (Kim et al., CVPR 2019; PMR's data loader uses its {@code
 * mnist_10color_jitter_var_0.030}). In train, the stroke colour is the class's fixed colour ({@link
 * #CLASS_COLOURS}) plus Gaussian jitter of variance {@value #JITTER_VARIANCE} per channel, clipped
 * to [0, 1]; in test it is drawn uniformly from [0, 1]^3, independent of the label.
 *
 * <p>The ten class colours are ours (the LNTL means are not in the papers): well-separated hues,
 * none of them gray, so colour alone identifies the class in training.
 */
public final class CgMnist {

  public static final int TRAIN_END = 8000;
  public static final int TEST_END = 10000;
  public static final int PIXELS = 28 * 28;
  public static final double JITTER_VARIANCE = 0.03;

  /** Stroke colour (RGB in [0, 1]) of each digit class in training. */
  public static final float[][] CLASS_COLOURS = {
    {1.0f, 0.0f, 0.0f}, // 0 red
    {0.0f, 1.0f, 0.0f}, // 1 green
    {0.0f, 0.0f, 1.0f}, // 2 blue
    {1.0f, 1.0f, 0.0f}, // 3 yellow
    {1.0f, 0.0f, 1.0f}, // 4 magenta
    {0.0f, 1.0f, 1.0f}, // 5 cyan
    {1.0f, 0.5f, 0.0f}, // 6 orange
    {0.5f, 0.0f, 1.0f}, // 7 violet
    {1.0f, 0.6f, 0.8f}, // 8 pink
    {0.5f, 0.3f, 0.0f}, // 9 brown
  };

  /**
   * One split: {@code gray[i*784 + p]}, {@code colour[i*3*784 + ch*784 + p]} (channel-major), the
   * MNIST index and label of every sample, and the stroke colour used.
   */
  public record Split(
      int[] indices, int[] labels, float[] gray, float[] colour, float[][] strokeColour) {
    public int size() {
      return labels.length;
    }
  }

  private CgMnist() {}

  /** The training split: images [0, n), class colour + jitter. */
  public static Split train(Mnist mnist, int n, long seed) {
    if (n < 1 || n > TRAIN_END) {
      throw new IllegalArgumentException("train size must be in [1, " + TRAIN_END + "], got " + n);
    }
    return build(mnist, 0, n, true, new Random(seed));
  }

  /** The test split: images [8000, 8000 + n), random colour independent of the label. */
  public static Split test(Mnist mnist, int n, long seed) {
    if (n < 1 || n > TEST_END - TRAIN_END) {
      throw new IllegalArgumentException(
          "test size must be in [1, " + (TEST_END - TRAIN_END) + "], got " + n);
    }
    return build(mnist, TRAIN_END, n, false, new Random(seed ^ 0x5DEECE66DL));
  }

  private static Split build(Mnist mnist, int from, int n, boolean train, Random rnd) {
    if (mnist.size() < TEST_END) {
      throw new IllegalArgumentException(
          "CG-MNIST needs the 10,000 t10k images, got " + mnist.size());
    }
    int[] idx = new int[n];
    int[] labels = new int[n];
    float[] gray = new float[n * PIXELS];
    float[] colour = new float[n * 3 * PIXELS];
    float[][] stroke = new float[n][3];
    double jitterStd = Math.sqrt(JITTER_VARIANCE);
    for (int i = 0; i < n; i++) {
      int m = from + i;
      idx[i] = m;
      labels[i] = mnist.label(m);
      for (int ch = 0; ch < 3; ch++) {
        double v =
            train
                ? CLASS_COLOURS[labels[i]][ch] + rnd.nextGaussian() * jitterStd
                : rnd.nextDouble();
        stroke[i][ch] = (float) Math.max(0.0, Math.min(1.0, v));
      }
      byte[] img = mnist.image(m);
      for (int p = 0; p < PIXELS; p++) {
        float g = (img[p] & 0xFF) / 255f;
        gray[i * PIXELS + p] = g;
        for (int ch = 0; ch < 3; ch++) {
          colour[i * 3 * PIXELS + ch * PIXELS + p] = g * stroke[i][ch];
        }
      }
    }
    return new Split(idx, labels, gray, colour, stroke);
  }

  /**
   * The stroke colour recovered from a coloured image: per channel, sum of the coloured pixels over
   * sum of the gray intensities (exact for the construction above).
   */
  public static float[] recoveredColour(Split s, int i) {
    float[] c = new float[3];
    double ink = 0;
    for (int p = 0; p < PIXELS; p++) {
      ink += s.gray()[i * PIXELS + p];
    }
    for (int ch = 0; ch < 3; ch++) {
      double sum = 0;
      for (int p = 0; p < PIXELS; p++) {
        sum += s.colour()[i * 3 * PIXELS + ch * PIXELS + p];
      }
      c[ch] = (float) (sum / ink);
    }
    return c;
  }
}
