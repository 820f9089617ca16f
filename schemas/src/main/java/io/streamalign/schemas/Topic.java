package io.streamalign.schemas;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic declared once: its name, key and value serdes, topic-level configs, and optionally
 * a partition count that overrides the default chosen at creation.
 *
 * @param name the full topic name (prefix included)
 * @param keySerde serde of the record keys
 * @param valueSerde serde of the record values
 * @param configs topic-level configs applied at creation (e.g. {@code cleanup.policy}),
 *     unmodifiable
 * @param partitions a partition count for this topic, or empty to use the creator's default
 */
public record Topic<K, V>(
    String name,
    Serde<K> keySerde,
    Serde<V> valueSerde,
    Map<String, String> configs,
    OptionalInt partitions) {

  /** Suffix of a topic's dead-letter topic. */
  public static final String DLQ_SUFFIX = ".dlq";

  public Topic {
    Topics.validateName(name);
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
    configs =
        Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(configs, "configs")));
    Objects.requireNonNull(partitions, "partitions");
    if (partitions.isPresent() && partitions.getAsInt() < 1) {
      throw new IllegalArgumentException("partitions must be >= 1: " + partitions.getAsInt());
    }
  }

  /** A topic with no configs and the default partition count. */
  public Topic(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    this(name, keySerde, valueSerde, Map.of(), OptionalInt.empty());
  }

  /** The name of this topic's dead-letter topic: {@code name + ".dlq"}. */
  public String dlq() {
    return name + DLQ_SUFFIX;
  }

  /** True if this is a dead-letter topic. */
  public boolean isDeadLetterTopic() {
    return name.endsWith(DLQ_SUFFIX);
  }

  @Override
  public String toString() {
    return "Topic[" + name + "]";
  }
}
