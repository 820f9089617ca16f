package io.streamalign.model;

/**
 * The PMR rebalancing coefficients (Fan et al., "PMR: Prototypical Modal Rebalance for Multimodal
 * Learning", CVPR 2023), as pure functions of the per-modality prototype scores.
 *
 * <p>For two modalities the paper defines the imbalance ratio {@code rho = s_0 / s_1} (eq. 8) and
 * the clipped coefficients of eq. 11; PCE_0 is weighted by {@code alpha*beta}, PCE_1 by {@code
 * alpha*gamma} (eq. 10), and in the warm-up the entropy of the <em>dominant</em> modality is
 * subtracted, weighted by {@code mu*gamma} for H_0 and {@code mu*beta} for H_1 (eq. 13).
 *
 * <p>For M modalities we use {@code kappa_m = clip(s_max / s_m - 1, 0, 1)} as the weight of PCE_m
 * and give the dominant modality's entropy the weight {@code mu * max_m kappa_m}; for M = 2 this is
 * exactly eqs. 10-13 (see {@link #twoModality}).
 */
public final class Pmr {

  private Pmr() {}

  /**
   * Loss weights for one batch.
   *
   * @param pce weight of PCE_m per modality (already multiplied by alpha)
   * @param entropy weight of -H_m per modality (already multiplied by mu; 0 outside the warm-up)
   * @param kappa the raw coefficients (beta/gamma for two modalities)
   */
  public record Coefficients(double[] pce, double[] entropy, double[] kappa) {}

  /** PMR eq. 8: {@code rho = s_0 / s_1}. */
  public static double rho(double s0, double s1) {
    return s0 / s1;
  }

  /**
   * The paper's two-modality rule (PMR eq. 11): returns {beta, gamma}. rho &lt; 1: beta =
   * clip(1/rho - 1, 0, 1), gamma = 0; rho &gt;= 1: beta = 0, gamma = clip(rho - 1, 0, 1).
   */
  public static double[] betaGamma(double rho) {
    if (rho < 1) {
      return new double[] {clip01(1.0 / rho - 1.0), 0.0};
    }
    return new double[] {0.0, clip01(rho - 1.0)};
  }

  /**
   * The two-modality loss weights exactly as written in PMR eqs. 10, 11 and 13: PCE_0 by
   * alpha*beta, PCE_1 by alpha*gamma, H_0 by mu*gamma, H_1 by mu*beta (entropy terms only in the
   * warm-up). {@code rule} "switch" is the authors' code: beta/gamma are 1 instead of the clipped
   * value.
   */
  public static Coefficients twoModality(
      double s0, double s1, String rule, double alpha, double mu, boolean warmup) {
    double[] bg = betaGamma(rho(s0, s1));
    if (LearnerConfig.PMR_SWITCH.equals(rule)) {
      bg = new double[] {bg[0] > 0 ? 1 : 0, bg[1] > 0 ? 1 : 0};
    } else if (LearnerConfig.PMR_NONE.equals(rule)) {
      bg = new double[] {0, 0};
    }
    double beta = bg[0];
    double gamma = bg[1];
    double[] pce = {alpha * beta, alpha * gamma};
    double[] ent = warmup ? new double[] {mu * gamma, mu * beta} : new double[] {0, 0};
    return new Coefficients(pce, ent, new double[] {beta, gamma});
  }

  /**
   * The M-modality generalization: kappa_m = clip(s_max / s_m - 1, 0, 1) weights PCE_m (times
   * alpha); the dominant modality (largest s, first on ties) gets entropy weight mu * max kappa in
   * the warm-up. {@code rule} "switch": kappa_m is 1 when positive; "none": all zero.
   */
  public static Coefficients coefficients(
      double[] s, String rule, double alpha, double mu, boolean warmup) {
    int m = s.length;
    double[] kappa = new double[m];
    double[] pce = new double[m];
    double[] ent = new double[m];
    if (m == 0 || LearnerConfig.PMR_NONE.equals(rule)) {
      return new Coefficients(pce, ent, kappa);
    }
    int dominant = 0;
    for (int i = 1; i < m; i++) {
      if (s[i] > s[dominant]) dominant = i;
    }
    double sMax = s[dominant];
    double maxKappa = 0;
    for (int i = 0; i < m; i++) {
      double k = i == dominant ? 0.0 : clip01(sMax / s[i] - 1.0);
      if (LearnerConfig.PMR_SWITCH.equals(rule)) k = k > 0 ? 1 : 0;
      kappa[i] = k;
      pce[i] = alpha * k;
      maxKappa = Math.max(maxKappa, k);
    }
    if (warmup) ent[dominant] = mu * maxKappa;
    return new Coefficients(pce, ent, kappa);
  }

  static double clip01(double v) {
    if (Double.isNaN(v)) return 0;
    return Math.max(0.0, Math.min(1.0, v));
  }
}
