package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * onDrift: PMR's warm-up window restarts and the prototypes are recomputed from the current
 * encoders.
 */
class DriftTest {

  @Test
  void driftRestartsWarmupAndRefreshesPrototypes() throws Exception {
    LearnerConfig cfg = Synthetic.tiny().with("warmupSamples", "64");
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(3);
      for (int s = 0; s < 4; s++) l.learn(Synthetic.avBatch(cfg, 32, 3, r));
      assertFalse(l.inWarmup(), "warm-up of 64 samples is over after 128");
      Map<String, float[]> before = Map.copyOf(l.model.prototypes.of(Modality.VIDEO));
      // what a full refresh must give: the mean embedding of every labeled reservoir member
      float[] stale = before.get("c0").clone();

      // the trainer finds the hook by reflection: public, no-arg
      Method m = l.getClass().getMethod("onDrift");
      m.invoke(l);

      assertTrue(l.inWarmup(), "PMR warm-up (entropy terms, eq. 13) restarts on drift");
      float[] fresh = l.model.prototypes.of(Modality.VIDEO).get("c0");
      assertFalse(java.util.Arrays.equals(stale, fresh), "prototype of c0 recomputed");
      // a second refresh without learning in between gives the same prototype (no momentum blend)
      l.onDrift();
      assertArrayEquals(fresh, l.model.prototypes.of(Modality.VIDEO).get("c0"), 1e-5f);
      // the window lasts warmupSamples more samples
      l.learn(Synthetic.avBatch(cfg, 32, 3, r));
      assertTrue(l.inWarmup());
      l.learn(Synthetic.avBatch(cfg, 32, 3, r));
      assertFalse(l.inWarmup());
    }
  }

  @Test
  void defaultOnDriftIsANoOp() {
    OnlineLearner plain =
        new OnlineLearner() {
          public StepReport learn(java.util.List<Sample> b) {
            return null;
          }

          public Inference predict(Sample s) {
            return null;
          }

          public java.util.List<Inference> predictBatch(java.util.List<Sample> s) {
            return null;
          }

          public void enroll(String c, Modality m, java.util.List<float[]> e) {}

          public java.util.List<String> classes() {
            return java.util.List.of();
          }

          public long samplesSeen() {
            return 0;
          }

          public LearnerConfig config() {
            return null;
          }

          public byte[] snapshot(Map<String, String> p) {
            return new byte[0];
          }

          public void close() {}
        };
    plain.onDrift();
  }
}
