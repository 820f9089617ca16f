package io.streamalign.chaos.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DropCountersTest {

  static final String DUP = "pair:stream-streamalign-pairing-metrics duplicate-dropped-total";
  static final String STREAMS = "pair:stream-task-metrics dropped-records-total";

  @Test
  void deltaSumsTheIncreaseOfEveryCounterAndIgnoresDecreases() {
    Map<String, Double> before = Map.of(DUP, 2.0, STREAMS, 5.0);
    Map<String, Double> after = Map.of(DUP, 6.0, STREAMS, 4.0, "9090:new_drops_total", 3.0);
    assertEquals(7.0, DropCounters.delta(before, after), 1e-9);
    assertEquals(
        Map.of(DUP, 4.0, STREAMS, 0.0, "9090:new_drops_total", 3.0),
        DropCounters.deltas(before, after));
  }

  @Test
  void dropsThatAlsoLeftADeadLetterExplainNothingMore() {
    Map<String, Double> before = Map.of(DUP, 0.0, STREAMS, 0.0);
    Map<String, Double> after = Map.of(DUP, 5.0, STREAMS, 2.0);
    // 5 duplicates counted, 5 dead-lettered: only the 2 other drops can explain a record without a
    // letter
    assertEquals(2.0, DropCounters.delta(before, after, "duplicate-dropped-total", 5), 1e-9);
    // 3 of them dead-lettered: 2 counted duplicates are left to explain records
    assertEquals(4.0, DropCounters.delta(before, after, "duplicate-dropped-total", 3), 1e-9);
    // more letters than counted drops (letters written before the first reading) never go below 0
    assertEquals(2.0, DropCounters.delta(before, after, "duplicate-dropped-total", 9), 1e-9);
  }
}
