package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** PMR eqs. 8, 10, 11, 13 and the M-modality generalization. */
class PmrTest {

  @Test
  void rhoBetaGammaByHand() {
    assertEquals(0.5, Pmr.rho(2, 4), 0);
    assertArrayEquals(new double[] {1.0, 0.0}, Pmr.betaGamma(0.5), 1e-12); // 1/0.5-1 = 1
    assertArrayEquals(new double[] {0.25, 0.0}, Pmr.betaGamma(0.8), 1e-12); // 1/0.8-1 = .25
    assertArrayEquals(new double[] {0.0, 0.5}, Pmr.betaGamma(1.5), 1e-12); // 1.5-1
    assertArrayEquals(new double[] {0.0, 1.0}, Pmr.betaGamma(3.0), 1e-12); // clipped
    assertArrayEquals(new double[] {0.0, 0.0}, Pmr.betaGamma(1.0), 1e-12);
  }

  @Test
  void twoModalityWeightsFollowEqs10And13() {
    // s0=3, s1=2: rho=1.5, gamma=.5: PCE_1 weighted alpha*gamma, H_0 (dominant 0) weighted mu*gamma
    Pmr.Coefficients c = Pmr.twoModality(3, 2, "clip", 2.0, 0.01, true);
    assertArrayEquals(new double[] {0.0, 1.0}, c.pce(), 1e-12);
    assertArrayEquals(new double[] {0.005, 0.0}, c.entropy(), 1e-12);
    // outside the warm-up no entropy term
    assertArrayEquals(
        new double[] {0, 0}, Pmr.twoModality(3, 2, "clip", 2.0, 0.01, false).entropy(), 0);
    // authors' switch: coefficient 1 for the slower modality
    assertArrayEquals(
        new double[] {0.0, 2.0}, Pmr.twoModality(3, 2.9, "switch", 2.0, 0.01, true).pce(), 1e-12);
    assertArrayEquals(
        new double[] {0.0, 0.0}, Pmr.twoModality(3, 2, "none", 2.0, 0.01, true).pce(), 0);
  }

  @Test
  void mModalityRuleReducesToTwoModalityRule() {
    Random r = new Random(11);
    for (String rule : new String[] {"clip", "switch", "none"}) {
      for (int i = 0; i < 2000; i++) {
        double s0 = 0.01 + r.nextDouble() * 5;
        double s1 = i % 10 == 0 ? s0 : 0.01 + r.nextDouble() * 5;
        boolean warm = r.nextBoolean();
        Pmr.Coefficients two = Pmr.twoModality(s0, s1, rule, 1.5, 0.003, warm);
        Pmr.Coefficients m = Pmr.coefficients(new double[] {s0, s1}, rule, 1.5, 0.003, warm);
        assertArrayEquals(two.pce(), m.pce(), 1e-12, rule + " pce s=" + s0 + "," + s1);
        assertArrayEquals(two.entropy(), m.entropy(), 1e-12, rule + " entropy s=" + s0 + "," + s1);
        assertArrayEquals(two.kappa(), m.kappa(), 1e-12, rule + " kappa s=" + s0 + "," + s1);
      }
    }
  }

  @Test
  void threeModalitiesByHand() {
    // s = (4, 2, 3.5): dominant 0; kappa = (0, clip(4/2-1)=1, clip(4/3.5-1)=1/7)
    Pmr.Coefficients c = Pmr.coefficients(new double[] {4, 2, 3.5}, "clip", 1.0, 0.1, true);
    assertArrayEquals(new double[] {0, 1, 1.0 / 7}, c.kappa(), 1e-12);
    assertArrayEquals(new double[] {0.1, 0, 0}, c.entropy(), 1e-12);
  }

  @Test
  void momentumPrototypeUpdate() {
    // PMR eq. 12 with eps_p = 0.2 (the authors' value): c = .2*old + .8*new
    float[] c = PrototypeBank.momentum(new float[] {1f, -2f}, new float[] {3f, 2f}, 0.2);
    assertArrayEquals(new float[] {2.6f, 1.2f}, c, 1e-6f);
  }
}
