package io.streamalign.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

  @Test
  void dueBySize() {
    MicroBatcher<Integer> b = new MicroBatcher<>(3, Duration.ofSeconds(10), 6);
    b.add(1, 0);
    b.add(2, 0);
    assertFalse(b.isDue(5));
    b.add(3, 1);
    assertTrue(b.isDue(1));
    assertEquals(0, b.millisUntilDue(1));
    b.add(4, 2);
    assertEquals(List.of(1, 2, 3), b.take());
    assertEquals(1, b.size());
    assertFalse(b.isDue(2));
  }

  @Test
  void takeWithALimitTakesTheOldestFewAndLeavesTheRestInOrder() {
    MicroBatcher<Integer> b = new MicroBatcher<>(8, Duration.ZERO, 16);
    for (int i = 0; i < 10; i++) b.add(i, 0);
    assertEquals(java.util.List.of(0, 1), b.take(2));
    assertEquals(
        java.util.List.of(2, 3, 4, 5, 6, 7, 8, 9), b.take(100), "never more than the batch size");
    assertTrue(b.isEmpty());
    b.add(10, 0);
    assertEquals(java.util.List.of(10), b.take(3));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.take(0));
  }

  @Test
  void dueByTimeOfTheOldestItem() {
    MicroBatcher<String> b = new MicroBatcher<>(100, Duration.ofMillis(50), 200);
    assertFalse(b.isDue(0));
    assertEquals(Long.MAX_VALUE, b.millisUntilDue(0));
    b.add("a", 1000);
    b.add("b", 1040);
    assertFalse(b.isDue(1049));
    assertEquals(1, b.millisUntilDue(1049));
    assertTrue(b.isDue(1050));
    assertEquals(List.of("a", "b"), b.take());
    assertTrue(b.isEmpty());
  }

  @Test
  void boundedWithHysteresis() {
    MicroBatcher<Integer> b = new MicroBatcher<>(2, Duration.ZERO, 4);
    for (int i = 0; i < 4; i++) b.add(i, 0);
    assertTrue(b.isFull());
    assertFalse(b.hasDrained());
    b.take();
    assertFalse(b.isFull());
    assertTrue(b.hasDrained());
    b.removeIf(i -> i == 3);
    assertEquals(List.of(2), b.items());
    assertThrows(IllegalArgumentException.class, () -> new MicroBatcher<>(0, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class, () -> new MicroBatcher<>(4, Duration.ZERO, 3));
  }
}
