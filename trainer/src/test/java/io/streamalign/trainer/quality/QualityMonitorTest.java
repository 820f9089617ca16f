package io.streamalign.trainer.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.ModelSnapshot;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QualityMonitorTest {

  private static QualityMonitor monitor() {
    return new QualityMonitor(0.02, 100, 0.02, 5.0, 10);
  }

  private static boolean[] outcomes(int n, boolean correct) {
    boolean[] b = new boolean[n];
    java.util.Arrays.fill(b, correct);
    return b;
  }

  @Test
  void windowAccuracyAndDriftFollowTheOutcomes() {
    QualityMonitor m = monitor();
    assertTrue(Double.isNaN(m.windowAccuracy()));
    assertFalse(m.onOutcomes(outcomes(100, true)), "no drift while every prediction is right");
    assertEquals(1.0, m.windowAccuracy());
    boolean drifted = false;
    for (int i = 0; i < 10 && !drifted; i++) drifted = m.onOutcomes(outcomes(10, false));
    assertTrue(drifted, "a run of wrong predictions is detected as drift");
    assertTrue(m.windowAccuracy() < 1.0);
  }

  @Test
  void theGateComparesWithTheLastAcceptedPromotionAndIsRestoredFromASnapshot() {
    QualityMonitor m = monitor();
    m.onOutcomes(outcomes(100, true));
    PromotionGate.Decision first = m.decide();
    assertTrue(first.promoted(), "the first snapshot is promoted");
    m.accept(first);
    m.onOutcomes(outcomes(50, false));
    assertFalse(m.decide().promoted(), "a drop of 50 points is withheld");

    QualityMonitor restored = monitor();
    ModelSnapshot promoted =
        ModelSnapshot.newBuilder()
            .setModelName("m")
            .setVersion(1)
            .setFormatVersion(1)
            .setCreatedAtMs(0)
            .setConfigJson("{}")
            .setParameters(ByteBuffer.allocate(0))
            .setSha256("")
            .setClasses(List.of())
            .setModalities(List.of())
            .setSamplesSeen(0)
            .setLearnerClass("x")
            .setBuildVersion("t")
            .setPromoted(true)
            .setMetrics(
                Map.of(QualityMonitor.GATE_ACCURACY, 0.9, QualityMonitor.GATE_SAMPLES, 100.0))
            .build();
    restored.restore(Optional.of(promoted));
    restored.onOutcomes(outcomes(50, true));
    restored.onOutcomes(outcomes(50, false));
    assertFalse(restored.decide().promoted(), "0.5 against the restored baseline 0.9 is withheld");
    assertEquals(0.9, restored.decide().baseline());
  }
}
