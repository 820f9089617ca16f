package io.streamalign.trainer.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PageHinkleyTest {

  /** A 0/1 error stream with the given error rate. */
  private static boolean err(Random r, double rate) {
    return r.nextDouble() < rate;
  }

  @Test
  void staysQuietOnAStationaryErrorStream() {
    for (long seed = 1; seed <= 5; seed++) {
      Random r = new Random(seed);
      PageHinkley ph = PageHinkley.defaults();
      for (int i = 0; i < 20_000; i++) {
        assertFalse(
            ph.update(err(r, 0.2) ? 1 : 0), "false alarm at sample " + i + " (seed " + seed + ")");
      }
      assertEquals(0, ph.detections());
    }
  }

  @Test
  void detectsAnUpwardShiftSoonAfterItHappens() {
    Random r = new Random(7);
    PageHinkley ph = PageHinkley.defaults();
    for (int i = 0; i < 5_000; i++) {
      assertFalse(ph.update(err(r, 0.1) ? 1 : 0), "false alarm before the shift at " + i);
    }
    int detectedAfter = -1;
    for (int i = 0; i < 5_000; i++) {
      if (ph.update(err(r, 0.6) ? 1 : 0)) {
        detectedAfter = i;
        break;
      }
    }
    assertTrue(detectedAfter >= 0, "shift from 10% to 60% error was not detected");
    // The mean moves by 0.5 per sample, so about lambda / 0.5 = 100 samples are needed.
    assertTrue(
        detectedAfter < 400, "detected too late: " + detectedAfter + " samples after the shift");
    assertEquals(1, ph.detections());
    assertEquals(0, ph.count(), "resets after a detection");
  }

  @Test
  void ignoresAnImprovement() {
    Random r = new Random(3);
    PageHinkley ph = PageHinkley.defaults();
    for (int i = 0; i < 3_000; i++) ph.update(err(r, 0.7) ? 1 : 0);
    for (int i = 0; i < 3_000; i++)
      assertFalse(ph.update(err(r, 0.05) ? 1 : 0), "an error drop is not drift");
  }

  @Test
  void needsMinInstancesAndIgnoresNonFinite() {
    PageHinkley ph = new PageHinkley(0.0, 1.0, 1.0, 10);
    for (int i = 0; i < 9; i++) assertFalse(ph.update(i < 2 ? 0 : 5));
    assertFalse(ph.update(Double.NaN));
    assertEquals(9, ph.count());
    assertTrue(ph.update(5));
  }

  @Test
  void rejectsBadParameters() {
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(-1, 50, 1, 30));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(0.005, 0, 1, 30));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(0.005, 50, 1.5, 30));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(0.005, 50, 1, 0));
  }
}
