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
 * <p>Reads every partition from the beginning to the end (the last stable offset) as of the call,
 * so "the newest" is the last committed record with the key, whatever partitioner wrote it.
 * Undecodable records are skipped with a warning.
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
    forEach(clientProperties, topic, modelName, timeout, out::add);
    return out;
  }

  private static void forEach(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
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
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
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
