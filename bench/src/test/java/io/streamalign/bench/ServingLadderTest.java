package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link ServingBench.Ladder}: the highest sustained rate agrees with every run at each rate. */
class ServingLadderTest {

  @Test
  void aRateIsSustainedOnlyIfEveryRunAtItKeptUp() {
    // the document of 2b1e1dc: the 10 s fixed run at 1000/s did not keep up, the 6 s ladder
    // steps up to 2000/s did
    ServingBench.Ladder l = new ServingBench.Ladder();
    l.add(200, true);
    l.add(1000, false);
    for (int rate : new int[] {100, 200, 300, 400, 600, 800, 1000, 1500, 2000}) l.add(rate, true);
    l.add(3000, false);
    assertEquals(800, l.best());
    assertEquals(900, l.nextProbe(), "bisects towards the first rate not sustained");
    l.add(900, true);
    assertEquals(900, l.best());
  }

  @Test
  void withoutAFailedRunTheLadderIsUnchanged() {
    ServingBench.Ladder l = new ServingBench.Ladder();
    for (int rate : new int[] {100, 200, 400}) l.add(rate, true);
    l.add(800, false);
    assertEquals(400, l.best());
    assertEquals(600, l.nextProbe());
  }

  @Test
  void thePhaseNamesTheHighestLatencyOfEachSecond() {
    // 2 events/s over 2.5 s; an unanswered event (NaN) counts as 0 here, it fails the phase anyway
    double[] ms = {10, 40, 900, 20, Double.NaN};
    ServingBench.Phase p = new ServingBench.Phase(ms, 5, 4, 2, 0);
    assertEquals("40, 900, 0", p.maxPerSecond());
  }
}
