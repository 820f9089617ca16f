package io.streamalign.ingest.pairing;

import java.util.concurrent.atomic.AtomicLong;

/**
 * When (wall clock) the pairing application last processed an input record or a part of a moment,
 * in any of its tasks: one per topology built, shared by its processors.
 *
 * <p>A task that has seen nothing for a while is not a paused input while the application is still
 * busy elsewhere: on a loaded machine one stream thread serves every task, a few records per poll,
 * so one task's partitions can wait seconds behind another's backlog while its punctuations still
 * run on time. The wall-clock releases ({@link SampleGate}, {@link LabelWait}) therefore wait for
 * silence of the whole application, not only of their task (a 400-record fuzz run under load lost a
 * moment whose chunk and caption reached the gate more than 7 s after its frame).
 */
final class InputActivity {
  private final AtomicLong lastWallMs = new AtomicLong(Long.MIN_VALUE / 2);

  /** Records that something was processed at {@code wallMs}. */
  void saw(long wallMs) {
    lastWallMs.accumulateAndGet(wallMs, Math::max);
  }

  /**
   * Whether nothing was processed anywhere in the application for {@code ms} before {@code now}.
   */
  boolean silentFor(long ms, long now) {
    return now - lastWallMs.get() >= ms;
  }
}
