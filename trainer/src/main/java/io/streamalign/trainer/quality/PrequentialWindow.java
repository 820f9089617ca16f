package io.streamalign.trainer.quality;

/**
 * Accuracy over the last {@code capacity} test-then-train outcomes (a sliding window), next to the
 * cumulative accuracy since start: the window tells how the model does now, the cumulative figure
 * how it did overall.
 *
 * <p>Not thread-safe.
 */
public final class PrequentialWindow {

  private final boolean[] ring;
  private int next;
  private int size;
  private int correctInWindow;
  private long total;
  private long correctTotal;

  public PrequentialWindow(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    this.ring = new boolean[capacity];
  }

  /** Records one outcome. */
  public void add(boolean correct) {
    if (size == ring.length) {
      if (ring[next]) correctInWindow--;
    } else {
      size++;
    }
    ring[next] = correct;
    if (correct) correctInWindow++;
    next = (next + 1) % ring.length;
    total++;
    if (correct) correctTotal++;
  }

  /** Accuracy over the window, NaN when empty. */
  public double windowAccuracy() {
    return size == 0 ? Double.NaN : (double) correctInWindow / size;
  }

  /** Accuracy over every outcome recorded, NaN when none. */
  public double cumulativeAccuracy() {
    return total == 0 ? Double.NaN : (double) correctTotal / total;
  }

  /** Outcomes currently in the window. */
  public int size() {
    return size;
  }

  /** Outcomes recorded in total. */
  public long total() {
    return total;
  }
}
