package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CroMA Algorithm 1: the meta step moves the meta parameters by exactly eps * (adapted - meta), for
 * BOTH encoders (the authors' code forgets the encoders) and for the classifier, and touches
 * nothing else.
 */
class ReptileTest {

  static LearnerConfig cfg = Synthetic.tiny().with("innerSteps", 2).with("metaStepSize", 0.3);
  static CrossModalLearner learner;
  static Random r = new Random(5);

  @BeforeAll
  static void warm() {
    learner = CrossModalLearner.create(cfg);
    for (int i = 0; i < 2; i++) learner.learn(Synthetic.avBatch(cfg, 16, 4, r));
    learner.reptile.captureAdapted = true;
  }

  @AfterAll
  static void close() {
    learner.close();
  }

  static Map<String, float[]> values(String... prefixes) {
    Map<String, float[]> out = new LinkedHashMap<>();
    learner.params.forEach(
        (k, v) -> {
          for (String p : prefixes) if (k.startsWith(p)) out.put(k, v.toFloatArray());
        });
    return out;
  }

  static void assertReptile(
      Map<String, float[]> before,
      Map<String, float[]> after,
      Map<String, float[]> adapted,
      double eps) {
    assertEquals(before.keySet(), adapted.keySet());
    for (String k : before.keySet()) {
      float[] b = before.get(k), a = after.get(k), t = adapted.get(k);
      double moved = 0;
      for (int i = 0; i < b.length; i++) {
        double expected = b[i] + eps * (t[i] - b[i]);
        assertEquals(expected, a[i], 1e-6 + 1e-6 * Math.abs(expected), k + "[" + i + "]");
        moved += Math.abs(t[i] - b[i]);
      }
      if (!k.endsWith(".b") || k.startsWith("phi")) {
        assertTrue(moved > 0, k + ": the inner loop did not move it");
      }
    }
  }

  @Test
  void metaAlignmentReptilesBothEncoders() {
    List<Sample> batch = Synthetic.avBatch(cfg, 16, 4, r);
    Map<String, float[]> before = values("video.", "audio.");
    Map<String, float[]> untouched = values("phi.", "fuse.", "text.");
    assertNotNull(learner.metaAlignmentStep(batch));
    Map<String, float[]> adapted = learner.reptile.lastAdapted;
    assertTrue(
        adapted.keySet().stream().anyMatch(k -> k.startsWith("video.")), "source encoder adapted");
    assertTrue(
        adapted.keySet().stream().anyMatch(k -> k.startsWith("audio.")), "target encoder adapted");
    assertReptile(before, values("video.", "audio."), adapted, cfg.metaStepSize());
    Map<String, float[]> still = values("phi.", "fuse.", "text.");
    for (String k : untouched.keySet()) assertArrayEquals(untouched.get(k), still.get(k), 0f, k);
  }

  @Test
  void metaClassificationReptilesPhiOnly() {
    Map<String, float[]> before = values("phi.");
    Map<String, float[]> encoders = values("video.", "audio.");
    assertNotNull(learner.metaClassificationStep(Modality.VIDEO));
    assertReptile(before, values("phi."), learner.reptile.lastAdapted, cfg.metaStepSize());
    Map<String, float[]> still = values("video.", "audio.");
    for (String k : encoders.keySet()) assertArrayEquals(encoders.get(k), still.get(k), 0f, k);
  }
}
