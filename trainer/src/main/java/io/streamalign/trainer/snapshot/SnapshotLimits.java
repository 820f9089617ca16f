package io.streamalign.trainer.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The two Kafka limits a snapshot record must fit: the producer's {@code max.request.size} and the
 * snapshots topic's {@code max.message.bytes} (read from the broker with {@code describeConfigs}).
 * {@link #check} throws a {@link SnapshotTooLargeException} that names the setting to raise.
 *
 * @param topic the snapshots topic
 * @param maxRequestSize the producer's {@code max.request.size}
 * @param topicMaxMessageBytes the topic's {@code max.message.bytes}
 */
public record SnapshotLimits(String topic, long maxRequestSize, long topicMaxMessageBytes) {

  /**
   * Upper bound of what Kafka adds to key + value: record batch header (61), record framing
   * (varints, attributes, timestamp and offset deltas, headers count: at most ~21) and log overhead
   * (12), rounded up.
   */
  public static final int RECORD_OVERHEAD_BYTES = 128;

  /** Reads the topic's {@code max.message.bytes} from the cluster. */
  public static SnapshotLimits describe(
      Admin admin, String topic, long maxRequestSize, Duration timeout) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      ConfigEntry entry = configs.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (entry == null || entry.value() == null) {
        throw new IllegalStateException(
            "the broker did not report "
                + TopicConfig.MAX_MESSAGE_BYTES_CONFIG
                + " of topic "
                + topic);
      }
      return new SnapshotLimits(topic, maxRequestSize, Long.parseLong(entry.value()));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot describe the snapshots topic " + topic + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out describing the snapshots topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing " + topic, e);
    }
  }

  /** The tighter of the two limits. */
  public long effectiveLimit() {
    return Math.min(maxRequestSize, topicMaxMessageBytes);
  }

  /**
   * Throws if a record with this serialized key and value size would not fit.
   *
   * @param what for the message, e.g. "snapshot v3 of model digits"
   */
  public void check(long keyAndValueBytes, String what) {
    long record = keyAndValueBytes + RECORD_OVERHEAD_BYTES;
    if (record > maxRequestSize) {
      throw new SnapshotTooLargeException(
          what
              + " is "
              + record
              + " bytes, more than the producer's max.request.size ("
              + maxRequestSize
              + "): raise max.request.size (trainer setting "
              + "streamalign.trainer.snapshot.max.request.bytes, or max.request.size in the client config file) to at least "
              + record
              + (record > topicMaxMessageBytes ? ", and the topic's max.message.bytes too" : ""),
          record,
          maxRequestSize,
          "max.request.size");
    }
    if (record > topicMaxMessageBytes) {
      throw new SnapshotTooLargeException(
          what
              + " is "
              + record
              + " bytes, more than max.message.bytes ("
              + topicMaxMessageBytes
              + ") of topic "
              + topic
              + ": raise the topic's max.message.bytes "
              + "(kafka-configs --alter --entity-type topics --entity-name "
              + topic
              + " --add-config max.message.bytes="
              + record
              + "; the broker's message.max.bytes and replica.fetch.max.bytes must allow it too)",
          record,
          topicMaxMessageBytes,
          "max.message.bytes");
    }
  }
}
