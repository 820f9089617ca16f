package io.streamalign.trainer.quality;

/**
 * Decides whether a new snapshot is promoted for serving: the first snapshot is; later ones only
 * when their prequential fused accuracy has not fallen more than {@code margin} below the accuracy
 * of the last promoted snapshot. A withheld snapshot is still published (for provenance and
 * restart), with {@code promoted = false}, so serving keeps the last good model.
 *
 * <p>An accuracy that is not known yet (NaN: no labeled sample scored) never counts as a
 * regression. Not thread-safe.
 */
public final class PromotionGate {

    private final double margin;
    private double baseline = Double.NaN;
    private boolean anyPromoted;

    /** @param margin the largest drop in accuracy (absolute, e.g. 0.02) still promoted */
    public PromotionGate(double margin) {
        if (!(margin >= 0) || !Double.isFinite(margin)) {
            throw new IllegalArgumentException("promotion margin must be a finite value >= 0: " + margin);
        }
        this.margin = margin;
    }

    /**
     * Restores the gate after a restart: {@code promotedBefore} says whether any snapshot of this model
     * was promoted, {@code baselineAccuracy} the fused accuracy of the last promoted one.
     */
    public void restore(boolean promotedBefore, double baselineAccuracy) {
        this.anyPromoted = promotedBefore;
        this.baseline = baselineAccuracy;
    }

    /** Whether a snapshot with this accuracy would be promoted (no state change). */
    public boolean wouldPromote(double fusedAccuracy) {
        if (!anyPromoted) return true;
        if (Double.isNaN(fusedAccuracy) || Double.isNaN(baseline)) return true;
        return fusedAccuracy >= baseline - margin;
    }

    /**
     * Decides for a snapshot about to be published and, when the caller then publishes it,
     * {@link #accept} records it.
     */
    public Decision decide(double fusedAccuracy) {
        boolean promote = wouldPromote(fusedAccuracy);
        return new Decision(promote, fusedAccuracy, baseline);
    }

    /** Records a published decision (call only after the snapshot was committed). */
    public void accept(Decision d) {
        if (d.promoted()) {
            anyPromoted = true;
            if (!Double.isNaN(d.accuracy())) {
                baseline = d.accuracy();
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
     * @param promoted  whether the snapshot is promoted
     * @param accuracy  its fused prequential accuracy
     * @param baseline  the last promoted snapshot's accuracy it was compared with (NaN if none)
     */
    public record Decision(boolean promoted, double accuracy, double baseline) {}
}
