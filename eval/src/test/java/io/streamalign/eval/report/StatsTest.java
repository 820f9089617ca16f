package io.streamalign.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void tQuantilesMatchThePublishedTable() {
    // two-sided 95% critical values of Student's t (any statistics table)
    assertEquals(12.706, Stats.tQuantile(0.975, 1), 1e-3);
    assertEquals(4.303, Stats.tQuantile(0.975, 2), 1e-3);
    assertEquals(2.776, Stats.tQuantile(0.975, 4), 1e-3);
    assertEquals(2.262, Stats.tQuantile(0.975, 9), 1e-3);
    assertEquals(2.023, Stats.tQuantile(0.975, 39), 1e-3);
    assertEquals(1.984, Stats.tQuantile(0.975, 100), 1e-3);
    assertEquals(1.960, Stats.tQuantile(0.975, 1e7), 1e-3);
    assertEquals(-2.776, Stats.tQuantile(0.025, 4), 1e-3);
    assertEquals(0.0, Stats.tQuantile(0.5, 4), 1e-12);
    // one-sided 95% with 3 degrees of freedom
    assertEquals(2.353, Stats.tQuantile(0.95, 3), 1e-3);
  }

  @Test
  void tCdfIsTheCauchyDistributionAtOneDegreeOfFreedom() {
    for (double t : new double[] {-3, -0.5, 0, 0.7, 2, 10}) {
      assertEquals(0.5 + Math.atan(t) / Math.PI, Stats.tCdf(t, 1), 1e-10, "t=" + t);
    }
  }

  @Test
  void meanIntervalByHand() {
    // 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), half-width t(0.975, 4) sqrt(2.5) / sqrt(5)
    Stats.Interval ci = Stats.mean(new double[] {1, 2, 3, 4, 5});
    assertEquals(5, ci.n());
    assertEquals(3.0, ci.mean(), 1e-12);
    assertEquals(Math.sqrt(2.5), ci.sd(), 1e-12);
    assertEquals(2.776445 * Math.sqrt(0.5), ci.halfWidth(), 1e-5);
    assertEquals("3.00 ± 1.96", ci.text(2));
    assertTrue(ci.above0());
    assertEquals("holds", ci.verdict());
  }

  @Test
  void oneValueHasNoInterval() {
    Stats.Interval ci = Stats.mean(new double[] {4});
    assertEquals(4, ci.mean(), 0);
    assertTrue(Double.isNaN(ci.halfWidth()));
    assertFalse(ci.above0());
    assertFalse(ci.below0());
    assertEquals("inside the noise", ci.verdict());
    assertEquals("4.0", ci.text(1));
  }

  @Test
  void pairingRemovesTheSharedVariation() {
    // b is a plus a constant 1 plus small noise; unpaired intervals overlap, the paired one does
    // not
    double[] a = {10, 30, 50, 20, 40};
    double[] b = {11.1, 30.9, 51.2, 20.8, 41.0};
    Stats.Interval ia = Stats.mean(a);
    Stats.Interval ib = Stats.mean(b);
    assertTrue(ia.hi() > ib.lo() && ib.hi() > ia.lo(), "unpaired intervals overlap");
    Stats.Interval d = Stats.paired(b, a);
    assertEquals(1.0, d.mean(), 1e-9);
    assertTrue(d.above0(), d.signedText(2));
    assertEquals("holds", d.verdict());
    Stats.Interval r = Stats.paired(a, b);
    assertTrue(r.below0());
    assertEquals("reversed", r.verdict());
    assertEquals("-1.00 [-1.20, -0.80]", r.signedText(2));
  }

  @Test
  void aDifferenceInsideTheNoiseDoesNotHold() {
    Stats.Interval d = Stats.paired(new double[] {1, 2, 3, 4}, new double[] {2, 1, 4, 3});
    assertEquals(0.0, d.mean(), 1e-12);
    assertFalse(d.above0());
    assertFalse(d.below0());
    assertEquals("inside the noise", d.verdict());
  }

  @Test
  void pairedNeedsTheSameUnits() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Stats.paired(new double[] {1, 2}, new double[] {1, 2, 3}));
  }

  @Test
  void groupMeansAreOneValuePerSeed() {
    double[] m = Stats.groupMeans(new double[] {1, 3, 10, 20, 0, 0}, 2);
    assertEquals(3, m.length);
    assertEquals(2, m[0], 0);
    assertEquals(15, m[1], 0);
    assertEquals(0, m[2], 0);
    assertThrows(IllegalArgumentException.class, () -> Stats.groupMeans(new double[3], 2));
  }

  @Test
  void intervalsCoverTheTrueMeanAboutNinetyFivePercentOfTheTime() {
    // 4,000 samples of 5 normal values: coverage 0.95 within 4 binomial standard errors (0.014)
    Random rnd = new Random(7);
    int covered = 0;
    int trials = 4000;
    for (int t = 0; t < trials; t++) {
      double[] x = new double[5];
      for (int i = 0; i < x.length; i++) x[i] = 3 + 2 * rnd.nextGaussian();
      Stats.Interval ci = Stats.mean(x);
      if (ci.lo() <= 3 && 3 <= ci.hi()) covered++;
    }
    assertEquals(0.95, covered / (double) trials, 0.014);
  }
}
