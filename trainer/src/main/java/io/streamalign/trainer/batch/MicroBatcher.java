package io.streamalign.trainer.batch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * The trainer's pending buffer: items wait here, in arrival order, until a micro-batch is due,
 * which is when {@code batchSize} items are waiting or the oldest has waited {@code maxWait}.
 *
 * <p>It also knows its bound ({@code capacity}): {@link #isFull()} tells the consumer to pause its
 * partitions, {@link #hasDrained()} (at most half the bound left) to resume them, so the buffer,
 * and the memory it holds, stays bounded however fast records arrive.
 *
 * <p>Time is passed in by the caller (milliseconds from any monotonic clock), which keeps this
 * class deterministic to test. Not thread-safe.
 *
 * @param <T> the buffered item
 */
public final class MicroBatcher<T> {

  private record Entry<T>(T item, long arrivedMs) {}

  private final int batchSize;
  private final long maxWaitMs;
  private final int capacity;
  private final Deque<Entry<T>> pending = new ArrayDeque<>();

  /**
   * @param batchSize the batch size that makes a batch due at once (>= 1)
   * @param maxWait the longest an item waits before a smaller batch is due (>= 0)
   * @param capacity the buffer bound (>= batchSize)
   */
  public MicroBatcher(int batchSize, Duration maxWait, int capacity) {
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1: " + batchSize);
    if (maxWait == null || maxWait.isNegative())
      throw new IllegalArgumentException("max wait must be >= 0: " + maxWait);
    if (capacity < batchSize) {
      throw new IllegalArgumentException(
          "capacity " + capacity + " must be >= batch size " + batchSize);
    }
    this.batchSize = batchSize;
    this.maxWaitMs = maxWait.toMillis();
    this.capacity = capacity;
  }

  /** Buffers one item that arrived at {@code nowMs}. */
  public void add(T item, long nowMs) {
    pending.addLast(new Entry<>(item, nowMs));
  }

  /** Whether a batch is due at {@code nowMs}. */
  public boolean isDue(long nowMs) {
    if (pending.isEmpty()) return false;
    return pending.size() >= batchSize || nowMs - pending.peekFirst().arrivedMs() >= maxWaitMs;
  }

  /**
   * Milliseconds until a batch becomes due by time, {@code Long.MAX_VALUE} when empty, 0 when due.
   */
  public long millisUntilDue(long nowMs) {
    if (pending.isEmpty()) return Long.MAX_VALUE;
    if (pending.size() >= batchSize) return 0;
    return Math.max(0, pending.peekFirst().arrivedMs() + maxWaitMs - nowMs);
  }

  /** Removes and returns the oldest items, at most {@code batchSize} of them. */
  public List<T> take() {
    return take(batchSize);
  }

  /**
   * Removes and returns the oldest items, at most {@code max} (and at most {@code batchSize}) of
   * them.
   */
  public List<T> take(int max) {
    if (max < 1) throw new IllegalArgumentException("max must be >= 1: " + max);
    int n = Math.min(Math.min(batchSize, max), pending.size());
    List<T> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      batch.add(pending.pollFirst().item());
    }
    return batch;
  }

  /** Removes the items for which {@code drop} says so (e.g. those of revoked partitions). */
  public void removeIf(java.util.function.Predicate<T> drop) {
    pending.removeIf(e -> drop.test(e.item()));
  }

  /** Visits the buffered items, oldest first. */
  public void forEach(Consumer<T> visitor) {
    for (Entry<T> e : pending) visitor.accept(e.item());
  }

  /** The buffered items, oldest first (a copy). */
  public List<T> items() {
    List<T> out = new ArrayList<>(pending.size());
    forEach(out::add);
    return Collections.unmodifiableList(out);
  }

  public int size() {
    return pending.size();
  }

  public boolean isEmpty() {
    return pending.isEmpty();
  }

  /** True at or above the bound: the producer of items should pause. */
  public boolean isFull() {
    return pending.size() >= capacity;
  }

  /** True at or below half the bound: a paused producer of items may resume. */
  public boolean hasDrained() {
    return pending.size() <= capacity / 2;
  }

  public int batchSize() {
    return batchSize;
  }

  public int capacity() {
    return capacity;
  }

  public void clear() {
    pending.clear();
  }
}
