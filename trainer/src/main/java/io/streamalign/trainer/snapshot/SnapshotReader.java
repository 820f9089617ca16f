package io.streamalign.trainer.snapshot;

import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.avro.ModelSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a model's snapshots from the compacted snapshots topic (key = model name), read-committed:
 * only snapshots whose transaction committed, and so whose offsets were committed with them.
 *
 * <p>Reads every partition up to the end (the last stable offset) as of the call, so "the newest"
 * is the last committed record with the key, whatever partitioner wrote it: from the beginning
 * ({@link #all}), or only the last offsets of each partition ({@link #tail}), which is what a
 * restart needs: the topic keeps every snapshot of its active segment (compaction never touches
 * that), hundreds of megabytes after an hour of snapshots every few seconds, and reading all of
 * them would make a restart slower the longer the trainer ran (README.md, "Recovery after a
 * crash"). Undecodable records are skipped with a warning.
 */
public final class SnapshotReader {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReader.class);

  private SnapshotReader() {}

  /**
   * What a restoring trainer needs: the newest snapshot of the model, and the last promoted one
   * (they differ when the newest was withheld by the promotion gate).
   */
  public record Latest(
      ModelSnapshot newest, Optional<ModelSnapshot> lastPromoted, int snapshotsRead) {}

  /** The newest committed snapshot of {@code modelName}, if any. */
  public static Optional<Latest> latest(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
      Duration timeout) {
    ModelSnapshot[] newest = new ModelSnapshot[1];
    ModelSnapshot[] promoted = new ModelSnapshot[1];
    int[] count = new int[1];
    forEach(
        clientProperties,
        topic,
        modelName,
        Long.MAX_VALUE,
        timeout,
        s -> {
          count[0]++;
          newest[0] = s;
          if (s.getPromoted()) promoted[0] = s;
        });
    return newest[0] == null
        ? Optional.empty()
        : Optional.of(new Latest(newest[0], Optional.ofNullable(promoted[0]), count[0]));
  }

  /**
   * Every committed snapshot of {@code modelName} still in the topic, in log order (per partition).
   */
  public static List<ModelSnapshot> all(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
      Duration timeout) {
    List<ModelSnapshot> out = new ArrayList<>();
    forEach(clientProperties, topic, modelName, Long.MAX_VALUE, timeout, out::add);
    return out;
  }

  /**
   * The committed snapshots of a model among the last offsets of each partition.
   *
   * @param snapshots in log order per partition, as {@link #all} orders them
   * @param complete true when every partition was read from its beginning (nothing older exists)
   */
  public record Tail(List<ModelSnapshot> snapshots, boolean complete) {}

  /**
   * The committed snapshots of {@code modelName} among the last {@code window} offsets of every
   * partition (an offset is a snapshot, an aborted one, or a transaction marker).
   */
  public static Tail tail(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
      long window,
      Duration timeout) {
    if (window <= 0) throw new IllegalArgumentException("window must be > 0: " + window);
    List<ModelSnapshot> out = new ArrayList<>();
    boolean complete = forEach(clientProperties, topic, modelName, window, timeout, out::add);
    return new Tail(out, complete);
  }

  /**
   * Reads the last {@code window} offsets of each partition; true when that covered every partition
   * whole.
   */
  private static boolean forEach(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
      long window,
      Duration timeout,
      Consumer<ModelSnapshot> visitor) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    p.putIfAbsent(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
    AvroSerde<ModelSnapshot> serde = AvroSerde.of(ModelSnapshot.class);
    byte[] key = modelName.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("snapshots topic " + topic.name() + " does not exist");
      }
      List<TopicPartition> parts =
          infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(parts);
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, timeout);
      Map<TopicPartition, Long> end = decidedEnd(consumer, p, parts, deadline);
      boolean complete = true;
      for (TopicPartition tp : parts) {
        long first = begin.getOrDefault(tp, 0L);
        long last = end.getOrDefault(tp, first);
        long from = last - first > window ? last - window : first;
        if (from > first) complete = false;
        consumer.seek(tp, from);
      }
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "timed out after " + timeout + " reading snapshots topic " + topic.name());
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null || !Arrays.equals(r.key(), key) || r.value() == null) continue;
          if (r.offset()
              >= end.getOrDefault(new TopicPartition(r.topic(), r.partition()), Long.MAX_VALUE))
            continue;
          try {
            visitor.accept(serde.decode(r.value()));
          } catch (RuntimeException e) {
            LOG.warn(
                "Skipping undecodable snapshot record {}-{}@{}: {}",
                r.topic(),
                r.partition(),
                r.offset(),
                e.toString());
          }
        }
      }
      return complete;
    }
  }

  /**
   * The end to read to: the last stable offset once every transaction with records in the log as of
   * this call is decided. A producer's {@code commitTransaction()} returns before the commit
   * markers are written to the partitions, so right after a trainer committed a snapshot the last
   * stable offset can still be before it; reading to that offset would miss the snapshot just
   * committed. Waits (at most {@link #SETTLE} and the caller's deadline) until the last stable
   * offset reaches the high watermark read at the start; past that, a transaction left open (a
   * killed producer, until it is fenced or times out) is simply not read, as read-committed means.
   */
  private static Map<TopicPartition, Long> decidedEnd(
      KafkaConsumer<byte[], byte[]> consumer,
      Properties clientProperties,
      List<TopicPartition> parts,
      long deadline) {
    Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    Map<TopicPartition, Long> highWatermark = highWatermarks(clientProperties, parts, remaining);
    long settleBy = Math.min(deadline, System.nanoTime() + SETTLE.toNanos());
    while (true) {
      Map<TopicPartition, Long> stable = consumer.endOffsets(parts, remaining);
      boolean decided = true;
      for (TopicPartition tp : parts) {
        if (stable.getOrDefault(tp, 0L) < highWatermark.getOrDefault(tp, 0L)) decided = false;
      }
      if (decided || System.nanoTime() > settleBy) {
        if (!decided)
          LOG.debug(
              "reading {} to its last stable offsets {}: a transaction is still open (high watermarks {})",
              parts,
              stable,
              highWatermark);
        return stable;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return stable;
      }
    }
  }

  private static final Duration SETTLE = Duration.ofSeconds(5);

  private static Map<TopicPartition, Long> highWatermarks(
      Properties clientProperties, List<TopicPartition> parts, Duration timeout) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return c.endOffsets(parts, timeout);
    }
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }
}
