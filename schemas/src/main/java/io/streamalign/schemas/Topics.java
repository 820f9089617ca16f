package io.streamalign.schemas;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The registry of every StreamAlign topic, with names under one configurable prefix (default {@code
 * av.}).
 *
 * <table>
 *   <caption>Topics (default prefix)</caption>
 *   <tr><th>topic</th><th>key</th><th>value</th><th>notes</th></tr>
 *   <tr><td>av.video</td><td>streamId</td><td>VideoFrame</td><td></td></tr>
 *   <tr><td>av.audio</td><td>streamId</td><td>AudioChunk</td><td></td></tr>
 *   <tr><td>av.text</td><td>streamId</td><td>TextSegment</td><td></td></tr>
 *   <tr><td>av.labels</td><td>streamId</td><td>LabelEvent</td><td></td></tr>
 *   <tr><td>av.paired</td><td>streamId</td><td>PairedSample</td><td>labeled training samples</td></tr>
 *   <tr><td>av.support</td><td>className</td><td>SupportExample</td><td>few-shot enrollment</td></tr>
 *   <tr><td>av.infer</td><td>streamId</td><td>PairedSample</td><td>samples to predict</td></tr>
 *   <tr><td>av.predictions</td><td>streamId</td><td>Prediction</td><td></td></tr>
 *   <tr><td>av.model.snapshots</td><td>modelName</td><td>ModelSnapshot</td><td>compacted, 64 MiB messages</td></tr>
 *   <tr><td>av.trainer.metrics</td><td>modelName</td><td>TrainerMetrics</td><td>3 days retention</td></tr>
 *   <tr><td>&lt;topic&gt;.dlq</td><td>original key bytes</td><td>DeadLetter</td><td>one per topic, 14 days</td></tr>
 * </table>
 *
 * <p>Keys are UTF-8 strings ({@link Serdes#String()}); values use {@link AvroSerde}.
 *
 * <p>Snapshots are large: the snapshot topic accepts messages up to {@value
 * #SNAPSHOT_MAX_MESSAGE_BYTES} bytes, and a producer writing to it must raise its {@code
 * max.request.size} (and {@code buffer.memory}) to match: use {@link #producerConfigsFor(Topic)}.
 * Consumers need nothing: fetch sizes are soft limits, a record batch larger than them is still
 * returned.
 *
 * <p>Size limits, coherent from producer to broker (docs/producing.md, "Size limits"): the raw
 * input topics ({@code video}, {@code audio}, {@code text}, {@code labels}) take batches up to
 * {@value #INPUT_MAX_MESSAGE_BYTES} bytes ({@code max.message.bytes}, whatever the broker's {@code
 * message.max.bytes}); the ingest producer's and the pairing app's {@code max.request.size} are the
 * same figure, and pairing dead-letters any input value larger than it (compression can let a
 * larger value through the broker). Dead letters are bounded ({@link
 * DeadLetters#MAX_ENCODED_BYTES}) and their topics take {@value #DEAD_LETTER_MAX_MESSAGE_BYTES}
 * bytes, so a dead-letter write never fails on size.
 */
public final class Topics {
  /** The default topic name prefix. */
  public static final String DEFAULT_PREFIX = "av.";

  /** max.message.bytes of the snapshot topic: 64 MiB. */
  public static final int SNAPSHOT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  /**
   * max.message.bytes of the raw input topics, and the largest input value pairing accepts: 8 MiB.
   */
  public static final int INPUT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  /**
   * max.message.bytes of every dead-letter topic: 1 MiB, several times {@link
   * DeadLetters#MAX_ENCODED_BYTES}.
   */
  public static final int DEAD_LETTER_MAX_MESSAGE_BYTES = 1024 * 1024;

  /** retention.ms of the raw input topics: 7 days (Kafka's default, set explicitly). */
  public static final long INPUT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;

  /**
   * message.timestamp.before.max.ms of the raw input topics: 6 days. The broker deletes a record by
   * its Kafka timestamp, and a record older than the retention can be deleted by its next retention
   * check before anyone read it; so a record more than 6 days older than the broker's clock is
   * refused at produce time (the producer gets {@code InvalidTimestampException}, a clear error)
   * and every record taken in stays at least a day.
   */
  public static final long INPUT_MAX_TIMESTAMP_AGE_MS = 6L * 24 * 60 * 60 * 1000;

  /** retention.ms of the trainer metrics topic: 3 days. */
  public static final long METRICS_RETENTION_MS = 3L * 24 * 60 * 60 * 1000;

  /** retention.ms of dead-letter topics: 14 days, time to look at what failed. */
  public static final long DEAD_LETTER_RETENTION_MS = 14L * 24 * 60 * 60 * 1000;

  /** Producer buffer.memory default (32 MiB); raised when a topic takes larger messages. */
  private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");
  private static final int MAX_NAME_LENGTH = 249;

  private final String prefix;
  private final Topic<String, VideoFrame> video;
  private final Topic<String, AudioChunk> audio;
  private final Topic<String, TextSegment> text;
  private final Topic<String, LabelEvent> labels;
  private final Topic<String, PairedSample> paired;
  private final Topic<String, SupportExample> support;
  private final Topic<String, PairedSample> infer;
  private final Topic<String, Prediction> predictions;
  private final Topic<String, ModelSnapshot> snapshots;
  private final Topic<String, TrainerMetrics> metrics;
  private final List<Topic<?, ?>> all;

  private Topics(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (!LEGAL.matcher(prefix).matches() || prefix.length() > 200) {
      throw new IllegalArgumentException(
          "illegal topic prefix '"
              + prefix
              + "': use at most 200 of the characters a-z A-Z 0-9 . _ -");
    }
    this.prefix = prefix;
    video = input("video", VideoFrame.class);
    audio = input("audio", AudioChunk.class);
    text = input("text", TextSegment.class);
    labels = input("labels", LabelEvent.class);
    paired = plain("paired", PairedSample.class);
    support = plain("support", SupportExample.class);
    infer = plain("infer", PairedSample.class);
    predictions = plain("predictions", Prediction.class);
    snapshots =
        new Topic<>(
            prefix + "model.snapshots",
            Serdes.String(),
            AvroSerde.of(ModelSnapshot.class),
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                Integer.toString(SNAPSHOT_MAX_MESSAGE_BYTES)),
            OptionalInt.empty());
    metrics =
        new Topic<>(
            prefix + "trainer.metrics",
            Serdes.String(),
            AvroSerde.of(TrainerMetrics.class),
            Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(METRICS_RETENTION_MS)),
            OptionalInt.empty());
    all =
        List.of(
            video, audio, text, labels, paired, support, infer, predictions, snapshots, metrics);
  }

  /**
   * A topic written by StreamAlign's services. Its Kafka timestamps are the broker's append time
   * ({@code LogAppendTime}); the event time is in the value. A sample carries its capture time as
   * event time, which may be days old in a replay; stamped with it, it could be deleted by the
   * broker's retention before the trainer or serving read it.
   */
  private <V extends org.apache.avro.specific.SpecificRecord> Topic<String, V> plain(
      String name, Class<V> type) {
    return new Topic<>(
        prefix + name,
        Serdes.String(),
        AvroSerde.of(type),
        Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
        OptionalInt.empty());
  }

  private <V extends org.apache.avro.specific.SpecificRecord> Topic<String, V> input(
      String name, Class<V> type) {
    return new Topic<>(
        prefix + name,
        Serdes.String(),
        AvroSerde.of(type),
        Map.of(
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            Integer.toString(INPUT_MAX_MESSAGE_BYTES),
            TopicConfig.RETENTION_MS_CONFIG,
            Long.toString(INPUT_RETENTION_MS),
            TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
            Long.toString(INPUT_MAX_TIMESTAMP_AGE_MS)),
        OptionalInt.empty());
  }

  /** The topics under the default prefix {@value #DEFAULT_PREFIX}. */
  public static Topics defaults() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** The topics under a custom prefix (may be empty; e.g. {@code "test-42."} to isolate a test). */
  public static Topics withPrefix(String prefix) {
    return new Topics(prefix);
  }

  public String prefix() {
    return prefix;
  }

  /** Raw video frames, key streamId. */
  public Topic<String, VideoFrame> video() {
    return video;
  }

  /** Raw audio chunks, key streamId. */
  public Topic<String, AudioChunk> audio() {
    return audio;
  }

  /** Text segments (captions, transcripts), key streamId. */
  public Topic<String, TextSegment> text() {
    return text;
  }

  /** Sparse labels, key streamId. */
  public Topic<String, LabelEvent> labels() {
    return labels;
  }

  /** Paired, featurized training samples, key streamId. */
  public Topic<String, PairedSample> paired() {
    return paired;
  }

  /** Few-shot enrollment examples, key className. */
  public Topic<String, SupportExample> support() {
    return support;
  }

  /** Samples to predict, key streamId. */
  public Topic<String, PairedSample> infer() {
    return infer;
  }

  /** Predictions, key streamId. */
  public Topic<String, Prediction> predictions() {
    return predictions;
  }

  /**
   * The optional JSON mirror of {@link #predictions()} ({@code <prefix>predictions.json}): key
   * streamId, value one JSON object per prediction (UTF-8), for subscribers without Avro (kcat,
   * jq). Written by serving when enabled, in the same transaction as the Avro prediction; not in
   * {@link #all()} (it is optional), so serving creates it when it is missing.
   */
  public Topic<String, String> predictionsJson() {
    return new Topic<>(prefix + "predictions.json", Serdes.String(), Serdes.String());
  }

  /**
   * Model snapshots, key modelName; compacted, up to {@value #SNAPSHOT_MAX_MESSAGE_BYTES} bytes per
   * message.
   */
  public Topic<String, ModelSnapshot> snapshots() {
    return snapshots;
  }

  /** Trainer metrics, key modelName; kept {@value #METRICS_RETENTION_MS} ms. */
  public Topic<String, TrainerMetrics> metrics() {
    return metrics;
  }

  /** Every (non-dead-letter) topic, in the order of the table above. */
  public List<Topic<?, ?>> all() {
    return all;
  }

  /** The dead-letter topic of every topic in {@link #all()}, same order. */
  public List<Topic<byte[], DeadLetter>> deadLetterTopics() {
    List<Topic<byte[], DeadLetter>> out = new ArrayList<>(all.size());
    for (Topic<?, ?> t : all) {
      out.add(deadLetters(t));
    }
    return List.copyOf(out);
  }

  /** {@link #all()} followed by {@link #deadLetterTopics()}: everything to create. */
  public List<Topic<?, ?>> allWithDeadLetters() {
    List<Topic<?, ?>> out = new ArrayList<>(all);
    out.addAll(deadLetterTopics());
    return List.copyOf(out);
  }

  /**
   * The dead-letter topic of a topic: name {@code <name>.dlq}, key the original key bytes, value
   * {@link DeadLetter}, {@code max.message.bytes} {@value #DEAD_LETTER_MAX_MESSAGE_BYTES} (a dead
   * letter keeps only a bounded prefix of the record it explains, see {@link DeadLetters}). Its
   * partition count follows the topic's.
   */
  public Topic<byte[], DeadLetter> deadLetters(Topic<?, ?> topic) {
    Objects.requireNonNull(topic, "topic");
    if (topic.isDeadLetterTopic()) {
      throw new IllegalArgumentException(topic.name() + " is already a dead-letter topic");
    }
    Map<String, String> configs = new HashMap<>();
    configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(DEAD_LETTER_RETENTION_MS));
    configs.put(
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(DEAD_LETTER_MAX_MESSAGE_BYTES));
    return new Topic<>(
        topic.dlq(),
        Serdes.ByteArray(),
        AvroSerde.of(DeadLetter.class),
        configs,
        topic.partitions());
  }

  /** The topic (or dead-letter topic) with this full name, if it is one of ours. */
  public Optional<Topic<?, ?>> byName(String name) {
    for (Topic<?, ?> t : allWithDeadLetters()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * Producer settings needed to write to a topic: for a topic with a raised {@code
   * max.message.bytes} (snapshots, the raw inputs), {@code max.request.size} equal to it and {@code
   * buffer.memory} of at least twice that; empty for ordinary topics and dead-letter topics (a dead
   * letter is far below the default {@code max.request.size}). Merge them into the producer's
   * properties.
   */
  public static Map<String, Object> producerConfigsFor(Topic<?, ?> topic) {
    String max = topic.configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    if (max == null || topic.isDeadLetterTopic()) {
      return Map.of();
    }
    long bytes = Long.parseLong(max);
    return Map.of(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        (int) Math.min(Integer.MAX_VALUE, bytes),
        ProducerConfig.BUFFER_MEMORY_CONFIG,
        Math.max(DEFAULT_BUFFER_MEMORY, 2 * bytes));
  }

  static void validateName(String name) {
    if (name == null
        || name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.length() > MAX_NAME_LENGTH
        || !LEGAL.matcher(name).matches()) {
      throw new IllegalArgumentException("illegal topic name '" + name + "'");
    }
  }

  @Override
  public String toString() {
    return "Topics[prefix=" + prefix + "]";
  }
}
