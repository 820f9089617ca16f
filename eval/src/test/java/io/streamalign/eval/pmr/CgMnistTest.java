package io.streamalign.eval.pmr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.data.Mnist;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CgMnistTest {
  private static Mnist mnist;

  @BeforeAll
  static void load() {
    mnist = TestData.mnist();
  }

  @Test
  void trainColoursFollowTheClassAndAreDistinct() {
    CgMnist.Split train = CgMnist.train(mnist, 2000, 3);
    double[][] mean = meanColourPerClass(train);
    for (int k = 0; k < 10; k++) {
      for (int ch = 0; ch < 3; ch++) {
        // clipping moves the mean of saturated channels inwards by at most ~0.07 (sd 0.17)
        assertEquals(
            CgMnist.CLASS_COLOURS[k][ch], mean[k][ch], 0.1, "class " + k + " channel " + ch);
      }
      for (int j = 0; j < k; j++) {
        assertTrue(
            dist(mean[k], mean[j]) > 0.3, "classes " + j + " and " + k + " have close colours");
      }
    }
    // the stroke colour is recoverable from the coloured image itself, and jitter is present
    float[] c = CgMnist.recoveredColour(train, 0);
    for (int ch = 0; ch < 3; ch++) {
      assertEquals(train.strokeColour()[0][ch], c[ch], 1e-4);
    }
    double var = 0;
    int n = 0;
    for (int i = 0; i < train.size(); i++) {
      float[] target = CgMnist.CLASS_COLOURS[train.labels()[i]];
      if (target[1] == 0.5f) { // unclipped channel: jitter variance ~0.03
        var += Math.pow(train.strokeColour()[i][1] - 0.5, 2);
        n++;
      }
    }
    assertEquals(CgMnist.JITTER_VARIANCE, var / n, 0.01);
  }

  @Test
  void testColoursAreIndependentOfTheLabel() {
    CgMnist.Split test = CgMnist.test(mnist, 2000, 3);
    // nearest class colour predicts the label at chance level (10%), far from the train split's
    // ~100%
    assertTrue(nearestColourAccuracy(test) < 0.2, "test colour predicts the label");
    assertTrue(nearestColourAccuracy(CgMnist.train(mnist, 2000, 3)) > 0.9);
    double[][] mean = meanColourPerClass(test);
    for (int k = 0; k < 10; k++) {
      for (int ch = 0; ch < 3; ch++) {
        assertEquals(0.5, mean[k][ch], 0.1, "class " + k);
      }
    }
  }

  @Test
  void splitsAreDisjointAndFixed() {
    CgMnist.Split train = CgMnist.train(mnist, CgMnist.TRAIN_END, 1);
    CgMnist.Split test = CgMnist.test(mnist, CgMnist.TEST_END - CgMnist.TRAIN_END, 1);
    Set<Integer> seen = new HashSet<>();
    for (int i : train.indices()) {
      assertTrue(i < CgMnist.TRAIN_END);
      seen.add(i);
    }
    for (int i : test.indices()) {
      assertTrue(i >= CgMnist.TRAIN_END && !seen.contains(i), "index " + i + " in both splits");
    }
    assertEquals(10_000, seen.size() + test.size());
    assertEquals(mnist.label(8000), test.labels()[0]);
    assertThrows(IllegalArgumentException.class, () -> CgMnist.train(mnist, 8001, 1));
    assertThrows(IllegalArgumentException.class, () -> CgMnist.test(mnist, 2001, 1));
  }

  private static double[][] meanColourPerClass(CgMnist.Split s) {
    double[][] m = new double[10][3];
    int[] n = new int[10];
    for (int i = 0; i < s.size(); i++) {
      float[] c = CgMnist.recoveredColour(s, i);
      n[s.labels()[i]]++;
      for (int ch = 0; ch < 3; ch++) {
        m[s.labels()[i]][ch] += c[ch];
      }
    }
    for (int k = 0; k < 10; k++) {
      for (int ch = 0; ch < 3; ch++) {
        m[k][ch] /= n[k];
      }
    }
    return m;
  }

  private static double nearestColourAccuracy(CgMnist.Split s) {
    int ok = 0;
    for (int i = 0; i < s.size(); i++) {
      float[] c = CgMnist.recoveredColour(s, i);
      int best = -1;
      double bd = Double.MAX_VALUE;
      for (int k = 0; k < 10; k++) {
        double[] cc = {
          CgMnist.CLASS_COLOURS[k][0], CgMnist.CLASS_COLOURS[k][1], CgMnist.CLASS_COLOURS[k][2]
        };
        double d = dist(new double[] {c[0], c[1], c[2]}, cc);
        if (d < bd) {
          bd = d;
          best = k;
        }
      }
      ok += best == s.labels()[i] ? 1 : 0;
    }
    return ok / (double) s.size();
  }

  private static double dist(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }
}
