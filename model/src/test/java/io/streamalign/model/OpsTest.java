package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link Ops}' constants survive until the backward pass: between forward and backward the test
 * frees unreferenced direct buffers (System.gc) and fills freshly allocated ones with 1e30, which
 * is what DJL's own {@code x.mul(3f)} then reads as its constant (6 of 20 trials gave 1e30-scale
 * gradients on this machine).
 */
class OpsTest {

  private static float[] gradient(UnaryOperator<NDArray> f, float[] x0) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(x0, new Shape(x0.length));
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray y = f.apply(x).sum();
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
          ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
          b.putFloat(0, 1e30f);
          junk.add(b);
        }
        gc.backward(y);
        junk.clear();
      }
      return x.getGradient().toFloatArray();
    }
  }

  @Test
  void constantsOfMulDivAndMaximumSurviveUntilBackward() {
    for (int trial = 0; trial < 10; trial++) {
      assertArrayEquals(
          new float[] {3, 3, 3},
          gradient(x -> Ops.mul(x, 3), new float[] {1, 2, -3}),
          "mul, trial " + trial);
      assertArrayEquals(
          new float[] {0.25f, 0.25f, 0.25f},
          gradient(x -> Ops.div(x, 4), new float[] {1, 2, -3}),
          "div, trial " + trial);
      assertArrayEquals(
          new float[] {1, 1, 0},
          gradient(x -> Ops.maximum(x, 0.5), new float[] {1, 2, -3}),
          "maximum, trial " + trial);
    }
  }
}
