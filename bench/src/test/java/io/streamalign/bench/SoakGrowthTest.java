package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's growth figures: windowed medians and least-squares slopes, not single samples. */
class SoakGrowthTest {

  private static List<SoakBench.Mem> series(int n, double heapPerMin, double lastHeapOutlier) {
    List<SoakBench.Mem> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double t = 30.0 * i;
      double wiggle = (i % 3 - 1) * 4.0; // +-4 MB of GC timing noise
      double heap = 190 + heapPerMin * t / 60 + wiggle;
      if (i == n - 1) heap += lastHeapOutlier;
      out.add(new SoakBench.Mem(t, 1800 + wiggle * 50, heap, 1000 + wiggle * 50, 32L * i));
    }
    return out;
  }

  @Test
  void aFlatSeriesWithOneHighLastSampleIsNotGrowth() {
    // the 2026-11-23 soak: heap 188-198 MB for an hour, then one 214 MB sample at the very end
    SoakBench.Growth g = SoakBench.Growth.of(series(72, 0, 20));
    assertEquals(7, g.window());
    assertTrue(
        g.end().heapMb() / g.start().heapMb() <= 1.05,
        () -> "ratio " + g.end().heapMb() / g.start().heapMb());
    assertTrue(Math.abs(g.heapSlopePerMin()) < 0.1, () -> "slope " + g.heapSlopePerMin());
  }

  @Test
  void aSteadyLeakIsSeenByTheSlopeAndTheRatio() {
    SoakBench.Growth g = SoakBench.Growth.of(series(72, 0.5, 0));
    assertEquals(0.5, g.heapSlopePerMin(), 0.02);
    assertTrue(
        g.end().heapMb() / g.start().heapMb() > 1.05,
        () -> "ratio " + g.end().heapMb() / g.start().heapMb());
    assertEquals(0.0, g.rssSlopePerMin(), 2.0); // +-200 MB of swings around a flat RSS
  }

  @Test
  void shortSeriesUseAtMostHalfForEachWindow() {
    assertEquals(1, SoakBench.Growth.of(series(2, 0, 0)).window());
    assertEquals(2, SoakBench.Growth.of(series(5, 0, 0)).window());
    assertThrows(IllegalArgumentException.class, () -> SoakBench.Growth.of(series(1, 0, 0)));
  }
}
