package io.streamalign.trainer.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromotionGateTest {

  @Test
  void promotesTheFirstSnapshotWhateverItsAccuracy() {
    PromotionGate gate = new PromotionGate(0.02);
    PromotionGate.Decision d = gate.decide(0.11);
    assertTrue(d.promoted());
    gate.accept(d);
    assertEquals(0.11, gate.baseline(), 1e-12);
  }

  @Test
  void withholdsARegressedSnapshotAndKeepsTheOldBaseline() {
    PromotionGate gate = new PromotionGate(0.02);
    gate.accept(gate.decide(0.80));
    PromotionGate.Decision regressed = gate.decide(0.77);
    assertFalse(regressed.promoted(), "0.77 is more than 0.02 below 0.80");
    assertEquals(0.80, regressed.baseline(), 1e-12);
    gate.accept(regressed);
    assertEquals(0.80, gate.baseline(), 1e-12, "a withheld snapshot does not move the baseline");
    // within the margin: promoted, and it becomes the new baseline
    PromotionGate.Decision within = gate.decide(0.785);
    assertTrue(within.promoted());
    gate.accept(within);
    assertEquals(0.785, gate.baseline(), 1e-12);
    assertTrue(gate.decide(0.90).promoted());
  }

  @Test
  void unknownAccuracyIsNoRegressionAndRestoreKeepsTheBaseline() {
    PromotionGate gate = new PromotionGate(0.0);
    gate.restore(true, 0.5);
    assertFalse(gate.decide(0.49).promoted());
    assertTrue(gate.decide(Double.NaN).promoted());
    assertTrue(gate.decide(0.5).promoted());
    assertThrows(IllegalArgumentException.class, () -> new PromotionGate(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new PromotionGate(Double.NaN));
  }

  @Test
  void windowTracksRecentAndCumulativeAccuracy() {
    PrequentialWindow w = new PrequentialWindow(4);
    assertTrue(Double.isNaN(w.windowAccuracy()));
    for (int i = 0; i < 4; i++) w.add(false);
    for (int i = 0; i < 4; i++) w.add(true);
    assertEquals(1.0, w.windowAccuracy(), 1e-12);
    assertEquals(0.5, w.cumulativeAccuracy(), 1e-12);
    w.add(false);
    assertEquals(0.75, w.windowAccuracy(), 1e-12);
    assertEquals(4, w.size());
    assertEquals(9, w.total());
  }

  @Test
  void aLuckyBaselineFromFewSamplesDoesNotWithholdEverything() {
    PromotionGate gate = new PromotionGate(0.02);
    gate.accept(gate.decide(0.69, 36)); // the first snapshot, 36 samples: standard error ~0.08
    assertTrue(
        gate.decide(0.52, 300).promoted(), "0.52 on 300 samples is within noise of 0.69 on 36");
    assertFalse(gate.decide(0.30, 300).promoted(), "0.30 on 300 samples is a real regression");
    gate.accept(gate.decide(0.60, 1000));
    assertFalse(
        gate.decide(0.50, 1000).promoted(), "with large windows the margin dominates again");
    assertTrue(gate.decide(0.59, 1000).promoted());
  }
}
