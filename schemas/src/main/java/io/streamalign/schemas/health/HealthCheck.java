package io.streamalign.schemas.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code /health} decision of a consuming service, from facts its loop and the broker give. UP
 * only when all hold: the service runs; it is not rolling back; its consumer has partitions
 * assigned; the broker answered the last lag query; and it has made progress within the stall
 * timeout, or has nothing to do (broker-side lag 0: the group's committed offsets are at the log
 * end). Each failed condition is named in {@link Verdict#reasons()}.
 */
public final class HealthCheck {

  private final Duration stallTimeout;

  /**
   * @param stallTimeout how long a service with lag may go without progress and still be UP
   */
  public HealthCheck(Duration stallTimeout) {
    this.stallTimeout = Objects.requireNonNull(stallTimeout, "stallTimeout");
    if (stallTimeout.isNegative() || stallTimeout.isZero())
      throw new IllegalArgumentException("stall timeout must be > 0");
  }

  /**
   * What the decision looks at.
   *
   * @param running the service's loop runs (not stopped, fenced or failed)
   * @param recovering a rollback or restart of the loop is under way
   * @param assignedPartitions input partitions assigned to the consumer now
   * @param brokerReachable the last broker query (the lag) answered in time
   * @param brokerLag records between the group's committed offsets and the log end of the assigned
   *     partitions, as the broker says; -1 when unknown
   * @param sinceProgress time since the loop last made progress (learned, predicted, committed)
   */
  public record Facts(
      boolean running,
      boolean recovering,
      int assignedPartitions,
      boolean brokerReachable,
      long brokerLag,
      Duration sinceProgress) {}

  /** The answer: UP or not, and why not. */
  public record Verdict(boolean up, List<String> reasons) {
    public String status() {
      return up ? "UP" : "DOWN";
    }
  }

  public Duration stallTimeout() {
    return stallTimeout;
  }

  public Verdict judge(Facts f) {
    List<String> reasons = new ArrayList<>();
    if (!f.running()) reasons.add("the loop is not running");
    if (f.recovering()) reasons.add("rolling back to the last committed state");
    if (f.assignedPartitions() <= 0) reasons.add("no partition is assigned to the consumer");
    if (!f.brokerReachable()) reasons.add("the broker did not answer");
    if (f.brokerLag() != 0 && f.sinceProgress().compareTo(stallTimeout) > 0) {
      reasons.add(
          "no progress for "
              + f.sinceProgress().toSeconds()
              + " s (limit "
              + stallTimeout.toSeconds()
              + " s) with "
              + (f.brokerLag() < 0 ? "unknown" : Long.toString(f.brokerLag()))
              + " records of lag");
    }
    return new Verdict(reasons.isEmpty(), List.copyOf(reasons));
  }
}
