package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;

/**
 * The PMR loss terms (Fan et al., "PMR: Prototypical Modal Rebalance for Multimodal Learning", CVPR
 * 2023) added to the fused cross-entropy: for each modality m, the prototype softmax of eq. 7 over
 * {@code -scale * ||z - c_k||}, its score s_m (eq. 8), the coefficients of eq. 11 (and the
 * M-modality rule of {@link Pmr#coefficients}), {@code alpha * kappa_m * PCE_m} (eqs. 9-10) on the
 * slow modalities and, in the warm-up, {@code - mu * w_m * H_m} (PER, eq. 13) on the dominant one.
 *
 * <p>Every modality brings its own set B^m of labelled samples (eq. 8 sums over B_t^0 and B_t^1
 * separately; eq. 9 is an expectation over p(x^m, y)), so a sample labelled in one modality only
 * still counts for that modality: s_m is the <em>mean</em> of p_i over B^m, which is eq. 8's ratio
 * of sums when the two sets have the same size (every sample of the paper has both) and does not
 * favour the modality that happens to have more labels when they do not. Gradients flow into every
 * z^m; prototypes are constants (the paper's centroids are recomputed, not trained). The one
 * implementation of PMR: the online learner and the {@code pmr-cgmnist} evaluation protocol both
 * call it.
 */
public final class PmrObjective {

  /**
   * One modality's input: embeddings z (n_m, d) with gradient, prototypes (k, d), one-hot labels
   * (n_m, k).
   */
  public record Input(NDArray z, NDArray prototypes, NDArray oneHot) {}

  /**
   * The terms of one batch.
   *
   * @param loss alpha*sum kappa_m PCE_m - mu*sum w_m H_m, or null when every coefficient is 0
   * @param s s_m per modality (mean true-class prototype probability, eq. 8)
   * @param coefficients the weights of eq. 11 (kappa = beta/gamma for two modalities)
   * @param pce the weighted PCE part's value
   * @param per the weighted PER part's value (<= 0)
   */
  public record Result(
      NDArray loss, double[] s, Pmr.Coefficients coefficients, double pce, double per) {
    /** PMR eq. 8: s_0 / s_1 (two or more modalities). */
    public double rho() {
      return Pmr.rho(s[0], s[1]);
    }
  }

  private final String rule;
  private final double alpha;
  private final double mu;
  private final double scale;

  /**
   * @param rule {@link LearnerConfig#PMR_CLIP} (eq. 11), {@link LearnerConfig#PMR_SWITCH} or {@link
   *     LearnerConfig#PMR_NONE}
   * @param alpha weight of PCE (the paper: 1 or 2)
   * @param mu weight of PER (the paper: 1e-2 or 1e-3)
   * @param scale scale on the distances of eq. 7 (1 = the paper; see {@link
   *     LearnerConfig#DEFAULT_PMR_SCALE})
   */
  public PmrObjective(String rule, double alpha, double mu, double scale) {
    if (!List.of(LearnerConfig.PMR_CLIP, LearnerConfig.PMR_SWITCH, LearnerConfig.PMR_NONE)
        .contains(rule)) {
      throw new IllegalArgumentException("unknown pmrRule '" + rule + "' (clip, switch, none)");
    }
    this.rule = rule;
    this.alpha = alpha;
    this.mu = mu;
    this.scale = scale;
  }

  /** The learner's PMR settings. */
  public static PmrObjective of(LearnerConfig cfg) {
    return new PmrObjective(cfg.pmrRule(), cfg.pmrAlpha(), cfg.pmrMu(), cfg.pmrScale());
  }

  /**
   * The PMR terms over two or more modalities; {@code warmup} turns PER on (the paper: the first
   * E_r epochs; the learner: its warm-up window).
   */
  public Result apply(List<Input> mods, boolean warmup) {
    List<NDArray> pceTerms = new ArrayList<>();
    List<NDArray> perTerms = new ArrayList<>();
    Result r = terms(mods, warmup, pceTerms, perTerms);
    double pce = 0;
    double per = 0;
    if (!pceTerms.isEmpty() || !perTerms.isEmpty()) {
      List<NDArray> both = new ArrayList<>(pceTerms);
      both.addAll(perTerms);
      float[] v = HostTransfers.floats(concat(both)); // the parts' values, one read
      for (int i = 0; i < v.length; i++) {
        if (i < pceTerms.size()) pce += v[i];
        else per += v[i];
      }
    }
    return new Result(r.loss(), r.s(), r.coefficients(), pce, per);
  }

  /**
   * As {@link #apply} without reading the weighted parts' values: the PCE terms (eqs. 9-10) and PER
   * terms (eq. 13) are added to the given lists as scalar arrays (the learner reads them with its
   * backward pass), and the result's {@code pce} and {@code per} are NaN. The s_m of eq. 8 decide
   * the coefficients on the host: they are read here, all in one read.
   */
  Result terms(List<Input> mods, boolean warmup, List<NDArray> pceTerms, List<NDArray> perTerms) {
    if (mods.size() < 2)
      throw new IllegalArgumentException("PMR needs two or more modalities, got " + mods.size());
    double[] s = new double[mods.size()];
    List<NDArray> scores = new ArrayList<>();
    for (Input in : mods) {
      // PMR eqs. 7-8: the prototype probability of the true class, summed over B^m (here: its mean)
      scores.add(Losses.prototypeScore(in.z().stopGradient(), in.prototypes(), in.oneHot(), scale));
    }
    float[] sums = HostTransfers.floats(concat(scores));
    for (int i = 0; i < s.length; i++) {
      long n = mods.get(i).z().getShape().get(0);
      s[i] = sums[i] / Math.max(1, n);
    }
    Pmr.Coefficients co = Pmr.coefficients(s, rule, alpha, mu, warmup);
    NDArray loss = null;
    for (int i = 0; i < s.length; i++) {
      Input in = mods.get(i);
      if (co.pce()[i] > 0) { // eqs. 9-10
        NDArray t =
            Ops.mul(
                Losses.prototypeCrossEntropy(in.z(), in.prototypes(), in.oneHot(), scale),
                co.pce()[i]);
        pceTerms.add(t);
        loss = loss == null ? t : loss.add(t);
      }
      if (co.entropy()[i]
          > 0) { // eq. 13: minus the entropy of the dominant modality's prototype softmax
        NDArray t =
            Ops.mul(Losses.prototypeEntropy(in.z(), in.prototypes(), scale), -co.entropy()[i]);
        perTerms.add(t);
        loss = loss == null ? t : loss.add(t);
      }
    }
    return new Result(loss, s, co, Double.NaN, Double.NaN);
  }

  /** Scalar arrays as one (k) array. */
  private static NDArray concat(List<NDArray> scalars) {
    NDList l = new NDList();
    for (NDArray a : scalars) l.add(a.stopGradient().reshape(1));
    return NDArrays.concat(l);
  }
}
