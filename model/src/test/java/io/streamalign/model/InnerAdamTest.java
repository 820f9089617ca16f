package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link InnerAdam} follows DJL's Adam (Kingma and Ba, Algorithm 1) update for update. */
class InnerAdamTest {

  @Test
  void matchesDjlAdamStepByStep() {
    Random r = new Random(3);
    float[] w0 = new float[64];
    for (int i = 0; i < w0.length; i++) w0[i] = (float) r.nextGaussian();
    try (NDManager base = NDManager.newBaseManager()) {
      NDArray a = base.create(w0, new Shape(8, 8));
      NDArray b = base.create(w0, new Shape(8, 8));
      Optimizer djl = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
      Optimizer ours = new InnerAdam(1e-3f);
      for (int step = 0; step < 25; step++) {
        float[] g = new float[64];
        double scale = step % 5 == 0 ? 1e-6 : step % 7 == 0 ? 1e3 : 1.0;
        for (int i = 0; i < g.length; i++) g[i] = (float) (r.nextGaussian() * scale);
        try (NDManager sub = base.newSubManager()) {
          djl.update("w", a, sub.create(g, new Shape(8, 8)));
          ours.update("w", b, sub.create(g, new Shape(8, 8)));
        }
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 1e-6f, "after update " + (step + 1));
      }
    }
  }
}
