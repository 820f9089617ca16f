package io.streamalign.eval.pmr;

import ai.djl.ndarray.NDArray;
import io.streamalign.model.Pmr;

/**
 * The PMR equations (Fan et al., CVPR 2023, "PMR: Prototypical Modal Rebalance", eqs. 6-13) for two
 * modalities m0 and m1.
 *
 * <p>rho and beta/gamma come from the model module's pure {@link io.streamalign.model.Pmr}
 * functions (the same code the online learner uses), so this protocol checks the learner's rule;
 * the epoch-wise prototypes (eq. 12 in the paper's per-epoch form) and the NDArray loss terms are
 * here because the learner keeps its own versions private to its streaming step. Gradients flow
 * through the embeddings; prototypes are constants.
 */
public final class PmrLoss {

  private PmrLoss() {}

  /** rho and the eq. 11 coefficients of one batch. */
  public record Coefficients(double rho, double beta, double gamma) {}

  /**
   * PMR eq. 8 and eq. 11: {@code rho = s0 / s1} with {@code s_m} the batch sum of the
   * prototype-softmax probability of the true class; {@code rho < 1}: {@code beta = clip(0, 1/rho -
   * 1, 1)}, {@code gamma = 0}; {@code rho >= 1}: {@code beta = 0}, {@code gamma = clip(0, rho - 1,
   * 1)}.
   */
  public static Coefficients coefficients(double s0, double s1) {
    if (!(s0 >= 0) || !(s1 > 0) || Double.isInfinite(s0) || Double.isInfinite(s1)) {
      throw new IllegalArgumentException(
          "scores must be finite, s0 >= 0 and s1 > 0: " + s0 + ", " + s1);
    }
    double rho = Pmr.rho(s0, s1); // PMR eq. 8
    double[] bg = Pmr.betaGamma(rho); // PMR eq. 11
    return new Coefficients(rho, bg[0], bg[1]);
  }

  /**
   * PMR eq. 6: class centroids of the embeddings {@code z} (n x dim, row-major); a class with no
   * sample keeps {@code fallback}'s row (or zeros when {@code fallback} is null).
   */
  public static float[][] classMeans(
      float[] z, int dim, int[] labels, int classes, float[][] fallback) {
    double[][] sum = new double[classes][dim];
    int[] count = new int[classes];
    for (int i = 0; i < labels.length; i++) {
      count[labels[i]]++;
      for (int j = 0; j < dim; j++) {
        sum[labels[i]][j] += z[i * dim + j];
      }
    }
    float[][] c = new float[classes][dim];
    for (int k = 0; k < classes; k++) {
      for (int j = 0; j < dim; j++) {
        c[k][j] =
            count[k] > 0
                ? (float) (sum[k][j] / count[k])
                : (fallback == null ? 0f : fallback[k][j]);
      }
    }
    return c;
  }

  /**
   * PMR eq. 12: {@code c_old <- eps * c_old + (1 - eps) * c_new}; {@code old == null} returns
   * {@code fresh}.
   */
  public static float[][] momentum(float[][] old, float[][] fresh, double eps) {
    if (old == null) {
      return fresh;
    }
    float[][] r = new float[fresh.length][];
    for (int k = 0; k < fresh.length; k++) {
      r[k] = new float[fresh[k].length];
      for (int j = 0; j < fresh[k].length; j++) {
        r[k][j] = (float) (eps * old[k][j] + (1 - eps) * fresh[k][j]);
      }
    }
    return r;
  }

  /**
   * PMR eq. 7 logits: {@code -d(z_i, c_k)} with d the Euclidean distance (B x K). A tiny constant
   * inside the square root keeps the gradient finite when an embedding sits on a prototype.
   */
  public static NDArray prototypeLogits(NDArray z, NDArray prototypes) {
    NDArray diff = z.expandDims(1).sub(prototypes.expandDims(0)); // B x K x D
    return diff.square().sum(new int[] {2}).add(1e-8f).sqrt().neg();
  }

  /**
   * Mean cross-entropy of {@code logits} against one-hot labels (PMR eq. 2; eq. 9 on prototype
   * logits).
   */
  public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
    return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
  }

  /** Batch sum of the softmax probability of the true class (the s_m of PMR eq. 8), as a number. */
  public static double trueClassScore(NDArray logits, NDArray oneHot) {
    return logits.softmax(1).mul(oneHot).sum().getFloat();
  }

  /** Mean entropy of the softmax of {@code logits} (the H of PMR eq. 13). */
  public static NDArray entropy(NDArray logits) {
    NDArray logp = logits.logSoftmax(1);
    return logp.exp().mul(logp).sum(new int[] {1}).neg().mean();
  }
}
