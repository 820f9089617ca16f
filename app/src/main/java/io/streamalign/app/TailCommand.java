package io.streamalign.app;

import com.fasterxml.jackson.core.JsonGenerator;
import io.streamalign.schemas.Json;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.Prediction;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign tail TOPIC}: prints the records of any StreamAlign topic, decoded by the
 * topic's own serdes, one per line.
 *
 * <p>Records are printed as JSON lines ({@code partition}, {@code offset}, {@code timestamp},
 * {@code key}, {@code value}); predictions as a readable line (event time, stream, label, score,
 * model version, latency) unless {@code --json}. A record that does not decode is reported on
 * standard error with its partition and offset, and tailing goes on. The command reads every
 * partition directly, without a consumer group, so it never moves anyone's committed offsets.
 */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description =
        "Prints the records of a StreamAlign topic (JSON lines; predictions as readable lines).")
final class TailCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "TOPIC",
      description =
          "Topic name, with or without the prefix (e.g. av.predictions, predictions, av.video.dlq).")
  String topicName;

  @Option(
      names = "--from-beginning",
      description = "Start at the earliest offset instead of the end.")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", description = "Stop after N records.")
  Long max;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Stop after this long (e.g. 30s, 500ms, 2m; a bare number is seconds). Default: run until Ctrl-C or --max.")
  Duration timeout;

  @Option(names = "--json", description = "Print predictions as JSON lines too.")
  boolean json;

  @Option(
      names = "--full-bytes",
      description = "Print byte fields in full (base64) instead of '<N bytes>'.")
  boolean fullBytes;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (max != null && max < 1) {
      err.println("streamalign tail: --max must be >= 1");
      err.flush();
      return 2;
    }
    Topics topics = kafka.topics();
    Topic<?, ?> topic = find(topics, topicName);
    if (topic == null) {
      err.println(
          "streamalign tail: unknown topic '"
              + topicName
              + "'. Known topics: "
              + known(topics).stream().map(Topic::name).collect(Collectors.joining(", ")));
      err.flush();
      return 2;
    }
    return tail(topic, out, err);
  }

  private int tail(Topic<?, ?> topic, PrintWriter out, PrintWriter err) {
    Properties props = kafka.clientProperties();
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamalign-tail");
    props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "67108864");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    Deadline deadline = new Deadline(timeout);
    long printed = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Thread hook = new Thread(consumer::wakeup, "streamalign-tail-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        List<TopicPartition> partitions = partitions(consumer, topic.name(), deadline);
        if (partitions.isEmpty()) {
          err.println(
              "streamalign tail: topic '"
                  + topic.name()
                  + "' does not exist on "
                  + kafka.bootstrapServers()
                  + " (create it with 'streamalign topics --create').");
          err.flush();
          return 1;
        }
        consumer.assign(partitions);
        if (fromBeginning) {
          consumer.seekToBeginning(partitions);
        } else {
          consumer.seekToEnd(partitions);
        }
        while (!deadline.passed() && (max == null || printed < max)) {
          Duration poll = Duration.ofMillis(Math.max(1, Math.min(500, deadline.leftMs())));
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(poll)) {
            if (max != null && printed >= max) {
              break;
            }
            String line = render(topic, record, err);
            if (line != null) {
              out.println(line);
              printed++;
            }
          }
          out.flush();
        }
      } catch (WakeupException e) {
        // Ctrl-C
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is already exiting
        }
      }
    }
    out.flush();
    if (max != null && printed < max) {
      err.println("streamalign tail: stopped after " + printed + " of " + max + " records.");
      err.flush();
      return 1;
    }
    return 0;
  }

  /**
   * The topic's partitions. A topic created a moment ago may not be in the broker's metadata yet,
   * so an empty answer is retried for a few seconds (bounded by the deadline) before giving up.
   */
  private static List<TopicPartition> partitions(
      KafkaConsumer<?, ?> consumer, String topic, Deadline deadline) {
    long until =
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(5_000, deadline.leftMs()));
    List<TopicPartition> out = new ArrayList<>();
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos != null) {
        for (PartitionInfo info : infos) {
          out.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      if (!out.isEmpty() || System.nanoTime() - until >= 0) {
        return out;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return out;
      }
    }
  }

  /** One output line for the record, or null (and a note on stderr) if it does not decode. */
  String render(Topic<?, ?> topic, ConsumerRecord<byte[], byte[]> record, PrintWriter err) {
    Object key;
    Object value;
    try {
      key =
          record.key() == null
              ? null
              : topic.keySerde().deserializer().deserialize(topic.name(), record.key());
      value =
          record.value() == null
              ? null
              : topic.valueSerde().deserializer().deserialize(topic.name(), record.value());
    } catch (SerializationException | IllegalArgumentException e) {
      err.printf(
          "%s partition %d offset %d: cannot decode: %s%n",
          topic.name(), record.partition(), record.offset(), e.getMessage());
      err.flush();
      return null;
    }
    if (value instanceof Prediction p && !json) {
      return predictionLine(p);
    }
    return Json.generate(
        g -> {
          g.writeStartObject();
          g.writeNumberField("partition", record.partition());
          g.writeNumberField("offset", record.offset());
          g.writeNumberField("timestamp", record.timestamp());
          g.writeFieldName("key");
          renderPlain(key, g);
          g.writeFieldName("value");
          renderPlain(value, g);
          g.writeEndObject();
        });
  }

  private void renderPlain(Object datum, JsonGenerator g) throws IOException {
    if (datum == null) {
      g.writeNull();
    } else if (datum instanceof byte[] bytes) {
      String text = utf8(bytes);
      if (text != null) {
        g.writeString(text);
      } else {
        AvroJson.bytes(bytes, fullBytes, g);
      }
    } else if (datum instanceof SpecificRecord r) {
      AvroJson.write(r, r.getSchema(), fullBytes, g);
    } else {
      g.writeString(datum.toString());
    }
  }

  /** The bytes as text if they are valid, printable UTF-8; else null. */
  private static String utf8(byte[] bytes) {
    try {
      String s =
          StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      return s.chars().allMatch(c -> c >= 0x20 || c == '\t') ? s : null;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** A readable prediction: event time, stream, label, score, model version, latency. */
  static String predictionLine(Prediction p) {
    StringBuilder s = new StringBuilder(160);
    s.append(Instant.ofEpochMilli(p.getEventTimeMs()))
        .append("  stream=")
        .append(p.getStreamId())
        .append("  label=")
        .append(p.getLabel())
        .append(String.format(Locale.ROOT, "  score=%.3f", p.getScore()))
        .append("  model=")
        .append(p.getModelName())
        .append(" v")
        .append(p.getModelVersion())
        .append("  latency=")
        .append(p.getLatencyMs())
        .append("ms")
        .append("  modalities=")
        .append(
            p.getModalitiesUsed().stream().map(Object::toString).collect(Collectors.joining("+")));
    if (p.getTrueLabel() != null) {
      s.append("  true=")
          .append(p.getTrueLabel())
          .append(p.getTrueLabel().toString().equals(p.getLabel().toString()) ? " ok" : " MISS");
    }
    if (p.getTopK().size() > 1) {
      s.append("  top=")
          .append(
              p.getTopK().stream()
                  .map(
                      (ClassScore c) ->
                          c.getClassName() + String.format(Locale.ROOT, ":%.2f", c.getScore()))
                  .collect(Collectors.joining(",")));
    }
    return s.toString();
  }

  /** Every topic tail can decode: the registry's topics and their dead-letter topics. */
  static List<Topic<?, ?>> known(Topics topics) {
    List<Topic<?, ?>> all = new ArrayList<>();
    for (Topic<?, ?> t : topics.all()) {
      all.add(t);
      all.add(topics.deadLetters(t));
    }
    return all;
  }

  /**
   * The registered topic with this name, or with the registry's prefix plus this name; else null.
   */
  static Topic<?, ?> find(Topics topics, String name) {
    for (Topic<?, ?> t : known(topics)) {
      if (t.name().equals(name) || t.name().equals(topics.prefix() + name)) {
        return t;
      }
    }
    return null;
  }

  /** An optional point in time; without a timeout it never passes. */
  private static final class Deadline {
    private final boolean unbounded;
    private final long endNanos;

    Deadline(Duration timeout) {
      this.unbounded = timeout == null;
      this.endNanos = unbounded ? 0 : System.nanoTime() + timeout.toNanos();
    }

    boolean passed() {
      return !unbounded && System.nanoTime() - endNanos >= 0;
    }

    long leftMs() {
      return unbounded ? Long.MAX_VALUE : Math.max(0, (endNanos - System.nanoTime()) / 1_000_000);
    }
  }

  /** Parses 30s, 500ms, 2m, 1h or a bare number of seconds. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      try {
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
          return Duration.ofMillis(
              Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
        }
        if (v.endsWith("m")) {
          return Duration.ofMillis(
              Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
        }
        if (v.endsWith("h")) {
          return Duration.ofMillis(
              Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3_600_000));
        }
        if (v.startsWith("pt")) {
          return Duration.parse(value.trim());
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
      } catch (RuntimeException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a duration (examples: 30s, 500ms, 2m)");
      }
    }
  }
}
