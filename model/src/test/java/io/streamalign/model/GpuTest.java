package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Runs the learner on a GPU; skipped (with the reason) when DJL's PyTorch engine sees none. */
class GpuTest {

  static void requireGpu() {
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    Assumptions.assumeTrue(
        gpus > 0,
        "no GPU visible to DJL's PyTorch engine (gpu count 0; the CPU native build "
            + "is on the classpath): GPU test skipped");
  }

  @Test
  void learnsAndPredictsOnGpuLikeOnCpu() {
    requireGpu();
    LearnerConfig cfg = LearnerConfig.defaults().with("device", "gpu");
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      assertTrue(l.device().isGpu());
      Random r = new Random(1);
      for (int i = 0; i < 3; i++) l.learn(Synthetic.avBatch(cfg, 16, 4, r));
      byte[] snap = l.snapshot(Map.of());
      try (CrossModalLearner back = CrossModalLearner.restore(snap)) {
        Sample probe = Synthetic.avBatch(cfg, 1, 4, r).get(0);
        assertEquals(l.predict(probe).label(), back.predict(probe).label());
      }
    }
  }
}
