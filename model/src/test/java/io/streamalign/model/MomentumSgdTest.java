package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link MomentumSgd} follows DJL's SGD with momentum and weight decay, update for update. */
class MomentumSgdTest {

  @Test
  void matchesDjlSgdStepByStep() {
    Random r = new Random(4);
    float[] w0 = new float[48];
    for (int i = 0; i < w0.length; i++) w0[i] = (float) r.nextGaussian();
    try (NDManager base = NDManager.newBaseManager()) {
      NDArray a = base.create(w0, new Shape(6, 8));
      NDArray b = base.create(w0, new Shape(6, 8));
      Optimizer djl =
          Optimizer.sgd()
              .setLearningRateTracker(Tracker.fixed(1e-2f))
              .optMomentum(0.9f)
              .optWeightDecays(1e-4f)
              .build();
      MomentumSgd ours = new MomentumSgd(1e-2, 0.9, 1e-4);
      for (int step = 0; step < 20; step++) {
        float[] g = new float[48];
        for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        try (NDManager sub = base.newSubManager()) {
          djl.update("w", a, sub.create(g, new Shape(6, 8)));
          ours.update("w", b, sub.create(g, new Shape(6, 8)));
        }
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 1e-6f, "after update " + (step + 1));
      }
    }
  }

  @Test
  void resetFreesTheVelocities() {
    try (NDManager base = NDManager.newBaseManager()) {
      NDArray w = base.create(new float[] {1, 2, 3});
      MomentumSgd sgd = new MomentumSgd(0.1, 0.9, 0);
      int before = base.getManagedArrays().size();
      try (NDManager sub = base.newSubManager()) {
        sgd.update("w", w, sub.create(new float[] {1, 1, 1}));
      }
      assertEquals(
          before + 1,
          base.getManagedArrays().size(),
          "one velocity, owned by the weight's manager");
      sgd.reset();
      assertEquals(before, base.getManagedArrays().size(), "reset frees it");
    }
  }
}
