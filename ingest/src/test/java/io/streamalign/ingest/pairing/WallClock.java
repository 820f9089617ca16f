package io.streamalign.ingest.pairing;

import java.time.Duration;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * Moves a test driver's wall clock the way it moves for a running task: in steps of the punctuation
 * interval (500 ms), each one punctuating. One jump of seconds is what a stalled stream thread
 * sees, which {@link SampleGate} does not judge silence across ({@link SampleGate#STALL_MS}).
 */
final class WallClock {

  private static final Duration STEP = Duration.ofMillis(500);

  private WallClock() {}

  static void advance(TopologyTestDriver driver, Duration by) {
    Duration left = by;
    while (left.compareTo(STEP) > 0) {
      driver.advanceWallClockTime(STEP);
      left = left.minus(STEP);
    }
    driver.advanceWallClockTime(left);
  }
}
