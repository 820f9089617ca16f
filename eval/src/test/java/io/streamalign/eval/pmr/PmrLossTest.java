package io.streamalign.eval.pmr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class PmrLossTest {

  @Test
  void coefficientsFollowEquation11() {
    PmrLoss.Coefficients slow0 = PmrLoss.coefficients(20, 40); // rho 0.5: modality 0 is slow
    assertEquals(0.5, slow0.rho(), 1e-12);
    assertEquals(1.0, slow0.beta(), 1e-12); // clip(1/0.5 - 1) = 1
    assertEquals(0.0, slow0.gamma());
    PmrLoss.Coefficients mild = PmrLoss.coefficients(40, 50); // rho 0.8 -> beta 0.25
    assertEquals(0.25, mild.beta(), 1e-12);
    PmrLoss.Coefficients slow1 = PmrLoss.coefficients(30, 20); // rho 1.5 -> gamma 0.5
    assertEquals(0.0, slow1.beta());
    assertEquals(0.5, slow1.gamma(), 1e-12);
    assertEquals(1.0, PmrLoss.coefficients(90, 10).gamma(), 1e-12); // clipped
    PmrLoss.Coefficients even = PmrLoss.coefficients(10, 10);
    assertEquals(0.0, even.beta());
    assertEquals(0.0, even.gamma());
    assertThrows(IllegalArgumentException.class, () -> PmrLoss.coefficients(1, 0));
    assertThrows(IllegalArgumentException.class, () -> PmrLoss.coefficients(Double.NaN, 1));
  }

  @Test
  void prototypesAreCentroidsWithMomentum() {
    float[] z = {0, 0, 2, 2, 10, 10};
    float[][] c =
        PmrLoss.classMeans(z, 2, new int[] {0, 0, 1}, 3, new float[][] {{7, 7}, {7, 7}, {5, 6}});
    assertArrayEquals(new float[] {1, 1}, c[0]);
    assertArrayEquals(new float[] {10, 10}, c[1]);
    assertArrayEquals(new float[] {5, 6}, c[2]); // empty class keeps the old prototype
    float[][] m = PmrLoss.momentum(new float[][] {{0, 10}}, new float[][] {{10, 0}}, 0.2);
    assertArrayEquals(new float[] {8, 2}, m[0], 1e-6f); // eq. 12: 0.2 old + 0.8 new
  }

  @Test
  void prototypeLossesMatchHandComputation() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray z = m.create(new float[] {0, 0, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
      NDArray protos = m.create(new float[] {0, 0, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
      NDArray logits = PmrLoss.prototypeLogits(z, protos);
      assertArrayEquals(new float[] {0, -5, -5, 0}, logits.toFloatArray(), 1e-3f);
      NDArray oneHot = m.create(new float[] {1, 0, 0, 1}, new ai.djl.ndarray.types.Shape(2, 2));
      double p = 1 / (1 + Math.exp(-5));
      assertEquals(-Math.log(p), PmrLoss.crossEntropy(logits, oneHot).getFloat(), 1e-4);
      assertEquals(2 * p, PmrLoss.trueClassScore(logits, oneHot), 1e-4);
      double h = -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
      assertEquals(h, PmrLoss.entropy(logits).getFloat(), 1e-4);
    }
  }
}
