package io.streamalign.model;

import ai.djl.ndarray.NDArray;

/**
 * The differentiable losses of the learner, on NDArrays (so DJL's autograd differentiates them).
 * Pure functions: no parameters, no state.
 */
public final class Losses {

  private Losses() {}

  /**
   * Margin (hinge) alignment loss, CroMA eqs. 2-3 with the authors' margin: for every positive pair
   * (i, j) (strong: the same sample; weak: the same concept group) and every negative n of anchor i
   * (a target outside i's pair set), {@code max(0, margin - s_ij + s_in)} with {@code s = e_s^T
   * e_t} on L2-normalized embeddings; averaged over all (positive, negative) combinations.
   *
   * @param src source embeddings (ns, d)
   * @param tgt target embeddings (nt, d)
   * @param pos 1 where (i, j) is a positive pair, else 0 (ns, nt)
   * @param margin the margin (0.1 in CroMA)
   */
  public static NDArray marginAlignment(NDArray src, NDArray tgt, NDArray pos, double margin) {
    NDArray neg = pos.neg().add(1f);
    NDArray scores = src.matMul(tgt.transpose());
    NDArray sp = scores.expandDims(2); // (ns, nt, 1): s_ij
    NDArray sn = scores.expandDims(1); // (ns, 1, nt): s_in
    NDArray weight = pos.expandDims(2).mul(neg.expandDims(1));
    NDArray hinge = Ops.maximum(sn.sub(sp).add((float) margin), 0).mul(weight);
    NDArray count = Ops.maximum(weight.sum(), 1);
    return hinge.sum().div(count);
  }

  /**
   * InfoNCE variant: for every positive (i, j), {@code -log(exp(s_ij/T) / (exp(s_ij/T) + sum_n
   * exp(s_in/T)))} over anchor i's negatives n; averaged over the positives.
   */
  public static NDArray infoNceAlignment(
      NDArray src, NDArray tgt, NDArray pos, double temperature) {
    NDArray neg = pos.neg().add(1f);
    NDArray logits = Ops.div(src.matMul(tgt.transpose()), temperature);
    // subtract the row max for stability (cancels in the ratio)
    NDArray shifted = logits.sub(logits.max(new int[] {1}, true).stopGradient());
    NDArray e = shifted.exp();
    NDArray negSum = e.mul(neg).sum(new int[] {1}, true);
    NDArray perPair = e.add(negSum).log().sub(shifted); // -log(e_ij / (e_ij + negSum_i))
    NDArray count = Ops.maximum(pos.sum(), 1);
    return perPair.mul(pos).sum().div(count);
  }

  /** Mean cross-entropy of {@code logits} (n, k) against one-hot {@code target} (n, k). */
  public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
    return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
  }

  /**
   * Negative Euclidean distances (n, k) from embeddings z (n, d) to prototypes c (k, d), times
   * {@code scale}: the logits of PMR eq. 7 (the paper: scale 1; see {@code
   * LearnerConfig.pmrScale}).
   */
  public static NDArray negDistances(NDArray z, NDArray c, double scale) {
    NDArray diff = z.expandDims(1).sub(c.expandDims(0)); // (n, k, d)
    NDArray d = diff.square().sum(new int[] {2}).add(1e-12f).sqrt();
    return (scale == 1.0 ? d : Ops.mul(d, scale)).neg();
  }

  /**
   * PMR eq. 9: prototype cross-entropy over the eq. 7 softmax of {@code -scale * d}, mean over the
   * batch.
   */
  public static NDArray prototypeCrossEntropy(NDArray z, NDArray c, NDArray oneHot, double scale) {
    return crossEntropy(negDistances(z, c, scale), oneHot);
  }

  /** PMR eq. 13: mean entropy of the prototype softmax pi(-scale * d(z, c)). */
  public static NDArray prototypeEntropy(NDArray z, NDArray c, double scale) {
    NDArray logp = negDistances(z, c, scale).logSoftmax(1);
    return logp.exp().mul(logp).sum(new int[] {1}).neg().mean();
  }

  /** PMR eq. 7 at the true class, summed over the batch: s_m of eq. 8. */
  public static NDArray prototypeScore(NDArray z, NDArray c, NDArray oneHot, double scale) {
    return negDistances(z, c, scale).softmax(1).mul(oneHot).sum();
  }
}
