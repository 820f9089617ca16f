package io.streamalign.schemas.health;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer group's lag as the broker sees it: per partition, the last stable offset (the end a
 * {@code read_committed} reader can reach) minus the group's committed offset (0 when none is
 * committed: the whole partition), summed. Reads with {@link Admin}; empty when the broker does not
 * answer within the timeout.
 */
public final class BrokerLag {

  private final Admin admin;
  private final String groupId;
  private final Duration timeout;

  public BrokerLag(Admin admin, String groupId, Duration timeout) {
    this.admin = admin;
    this.groupId = groupId;
    this.timeout = timeout;
  }

  /** The lag of {@code partitions}, or empty when the broker did not answer. */
  public OptionalLong of(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return OptionalLong.of(0);
    try {
      long ms = timeout.toMillis();
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(groupId)
              .partitionsToOffsetAndMetadata()
              .get(ms, TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicPartition tp : partitions) latest.put(tp, OffsetSpec.latest());
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
          admin
              .listOffsets(
                  latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED).timeoutMs((int) ms))
              .all()
              .get(ms, TimeUnit.MILLISECONDS);
      long lag = 0;
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        long e = end.get(tp).offset();
        lag += Math.max(0, e - (c == null ? 0 : c.offset()));
      }
      return OptionalLong.of(lag);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    } catch (Exception e) {
      return OptionalLong.empty();
    }
  }
}
