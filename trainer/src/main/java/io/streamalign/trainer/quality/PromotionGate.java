package io.streamalign.trainer.quality;

/**
 * Decides whether a new snapshot is promoted for serving: the first snapshot is; later ones only
 * when their prequential fused accuracy has not fallen more than {@code margin} below the accuracy
 * of the last promoted snapshot. A withheld snapshot is still published (for provenance and
 * restart), with {@code promoted = false}, so serving keeps the last good model.
 *
 * <p>An accuracy that is not known yet (NaN: no labeled sample scored) never counts as a
 * regression. Accuracies measured on few samples are noisy: when the sample counts behind both
 * figures are given, a drop counts as a regression only when it exceeds {@code margin} plus two
 * standard errors of the difference (binomial, {@code sqrt(a(1-a)/n + b(1-b)/m)}), so a lucky
 * baseline from the first few dozen samples cannot withhold every later snapshot. Not thread-safe.
 */
public final class PromotionGate {

  private final double margin;
  private double baseline = Double.NaN;
  private long baselineSamples = Long.MAX_VALUE;
  private boolean anyPromoted;

  /**
   * @param margin the largest drop in accuracy (absolute, e.g. 0.02) still promoted
   */
  public PromotionGate(double margin) {
    if (!(margin >= 0) || !Double.isFinite(margin)) {
      throw new IllegalArgumentException("promotion margin must be a finite value >= 0: " + margin);
    }
    this.margin = margin;
  }

  /**
   * Restores the gate after a restart: {@code promotedBefore} says whether any snapshot of this
   * model was promoted, {@code baselineAccuracy} the fused accuracy of the last promoted one.
   */
  public void restore(boolean promotedBefore, double baselineAccuracy) {
    restore(promotedBefore, baselineAccuracy, Long.MAX_VALUE);
  }

  /** As {@link #restore(boolean, double)}, with the number of samples behind the baseline. */
  public void restore(boolean promotedBefore, double baselineAccuracy, long baselineSamples) {
    this.anyPromoted = promotedBefore;
    this.baseline = baselineAccuracy;
    this.baselineSamples = baselineSamples > 0 ? baselineSamples : Long.MAX_VALUE;
  }

  /** Whether a snapshot with this accuracy would be promoted (no state change). */
  public boolean wouldPromote(double fusedAccuracy) {
    return wouldPromote(fusedAccuracy, Long.MAX_VALUE);
  }

  /**
   * Whether a snapshot with this accuracy, measured on {@code samples} samples, would be promoted.
   */
  public boolean wouldPromote(double fusedAccuracy, long samples) {
    if (!anyPromoted) return true;
    if (Double.isNaN(fusedAccuracy) || Double.isNaN(baseline)) return true;
    return fusedAccuracy
        >= baseline - margin - 2 * standardError(fusedAccuracy, samples, baseline, baselineSamples);
  }

  /**
   * Standard error of the difference of two binomial proportions; 0 for unknown (infinite) counts.
   */
  static double standardError(double a, long n, double b, long m) {
    double v = 0;
    if (n > 0 && n != Long.MAX_VALUE) v += a * (1 - a) / n;
    if (m > 0 && m != Long.MAX_VALUE) v += b * (1 - b) / m;
    return Math.sqrt(v);
  }

  /**
   * Decides for a snapshot about to be published and, when the caller then publishes it, {@link
   * #accept} records it.
   */
  public Decision decide(double fusedAccuracy) {
    return decide(fusedAccuracy, Long.MAX_VALUE);
  }

  /** As {@link #decide(double)}, for an accuracy measured on {@code samples} samples. */
  public Decision decide(double fusedAccuracy, long samples) {
    boolean promote = wouldPromote(fusedAccuracy, samples);
    return new Decision(promote, fusedAccuracy, baseline, samples);
  }

  /** Records a published decision (call only after the snapshot was committed). */
  public void accept(Decision d) {
    if (d.promoted()) {
      anyPromoted = true;
      if (!Double.isNaN(d.accuracy())) {
        baseline = d.accuracy();
        baselineSamples = d.samples();
      }
    }
  }

  /** Fused accuracy of the last promoted snapshot, NaN if unknown. */
  public double baseline() {
    return baseline;
  }

  public boolean anyPromoted() {
    return anyPromoted;
  }

  public double margin() {
    return margin;
  }

  /**
   * One decision.
   *
   * @param promoted whether the snapshot is promoted
   * @param accuracy its fused prequential accuracy
   * @param baseline the last promoted snapshot's accuracy it was compared with (NaN if none)
   */
  public record Decision(boolean promoted, double accuracy, double baseline, long samples) {
    public Decision(boolean promoted, double accuracy, double baseline) {
      this(promoted, accuracy, baseline, Long.MAX_VALUE);
    }
  }
}
