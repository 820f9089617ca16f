package io.streamalign.trainer.quality;

import io.streamalign.schemas.avro.ModelSnapshot;
import java.util.Optional;

/**
 * The trainer's view of model quality: the fused test-then-train outcomes over a recent window,
 * Page-Hinkley drift detection on the error stream, and the promotion gate that decides whether a
 * snapshot may be served. Thread-safe (the loop thread writes, status readers read).
 */
public final class QualityMonitor {

  /** Snapshot metric keys the gate's baseline is restored from. */
  public static final String GATE_ACCURACY = "gate.accuracy";

  public static final String GATE_SAMPLES = "gate.samples";
  public static final String GATE_BASELINE = "gate.baseline";

  private final PromotionGate gate;
  private final PrequentialWindow window;
  private final PageHinkley drift;

  public QualityMonitor(
      double promotionMargin,
      int promotionWindow,
      double driftDelta,
      double driftThreshold,
      int driftMinInstances) {
    this.gate = new PromotionGate(promotionMargin);
    this.window = new PrequentialWindow(promotionWindow);
    this.drift = new PageHinkley(driftDelta, driftThreshold, 1.0, driftMinInstances);
  }

  /**
   * Adds one step's prequential outcomes (true = predicted right before learning); true when the
   * error stream drifted (Page-Hinkley on 1 = wrong).
   */
  public synchronized boolean onOutcomes(boolean[] correct) {
    boolean drifted = false;
    for (boolean c : correct) {
      window.add(c);
      drifted |= drift.update(c ? 0.0 : 1.0);
    }
    return drifted;
  }

  /** Fused accuracy over the window; NaN before any labelled sample. */
  public synchronized double windowAccuracy() {
    return window.windowAccuracy();
  }

  /** The gate's decision for a snapshot taken now (not yet recorded: {@link #accept} does). */
  public synchronized PromotionGate.Decision decide() {
    return gate.decide(window.windowAccuracy(), window.size());
  }

  /** Records a decision whose snapshot committed. */
  public synchronized void accept(PromotionGate.Decision d) {
    gate.accept(d);
  }

  /** Restores the gate's baseline from the last promoted snapshot, if any. */
  public synchronized void restore(Optional<ModelSnapshot> lastPromoted) {
    double baseline =
        lastPromoted
            .map(p -> p.getMetrics().getOrDefault(GATE_ACCURACY, Double.NaN))
            .orElse(Double.NaN);
    double samples =
        lastPromoted
            .map(p -> p.getMetrics().getOrDefault(GATE_SAMPLES, Double.NaN))
            .orElse(Double.NaN);
    gate.restore(
        lastPromoted.isPresent(),
        baseline,
        Double.isNaN(samples) ? Long.MAX_VALUE : (long) samples);
  }
}
