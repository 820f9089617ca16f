package io.streamalign.ingest.pairing;

import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pairing service: runs {@link PairingTopology} in a {@link KafkaStreams} instance with
 * exactly-once processing ({@code exactly_once_v2}), a thread-replacing uncaught-exception handler
 * and a logging production-exception handler. No deserialization handler is needed: inputs are read
 * as raw bytes and bad ones go to the dead-letter topics.
 *
 * <p>Topics (see {@link PairingTopology}) must exist; create them with {@code
 * TopicAdmin.createAll}.
 */
public final class PairingApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PairingApp.class);

  /**
   * Streams' {@code max.task.idle.ms} for pairing: 0, so a task processes what it has as soon as
   * every input partition's records already in Kafka have been fetched (Streams waits for those at
   * 0, KIP-695), without also waiting for records not yet sent. Pairing's rules do not need that
   * wait: the sample gate judges a missing part by its own stream's progress per modality, and the
   * label join waits for a label in its stream's time ({@link PairingConfig#labelGrace()}). The 2 s
   * it used to be were most of pairing's latency (docs/producing.md, "Not too late").
   */
  public static final long MAX_TASK_IDLE_MS = 0;

  /**
   * How much longer than the hold (or the label grace) the wall-clock releases wait for silence:
   * time for a record already sent to be fetched and reach its task (SampleGate, LabelWait).
   */
  static final long WALL_SLACK_MS = 3_000;

  /** The producer's {@code batch.size} for pairing's outputs, repartition topics and changelogs. */
  public static final int BATCH_SIZE_BYTES = 256 * 1024;

  private final KafkaStreams streams;
  private final CountDownLatch running = new CountDownLatch(1);

  /** App from typed settings; {@code settings.clientProperties()} passes through SASL/SSL etc. */
  public PairingApp(PairingConfig cfg, KafkaSettings settings, Topics topics) {
    this(cfg, settings.clientProperties(), topics);
  }

  /**
   * App from raw client properties (must contain bootstrap.servers; may override any Streams
   * config).
   */
  public PairingApp(PairingConfig cfg, Properties clientProperties, Topics topics) {
    this(cfg, InputRules.defaults(), clientProperties, topics);
  }

  /** App with explicit input rules (limits on size, event-time skew and seq). */
  public PairingApp(
      PairingConfig cfg, InputRules rules, Properties clientProperties, Topics topics) {
    this(
        PairingTopology.build(cfg, topics, Featurizers.defaults(), rules),
        streamsProperties(cfg, clientProperties),
        rules.maxValueBytes());
  }

  PairingApp(Topology topology, Properties props, int maxValueBytes) {
    this.streams = new KafkaStreams(topology, props, new PairingClients(maxValueBytes));
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("pairing stream thread died; replacing it", e);
          return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.setStateListener(
        (now, before) -> {
          LOG.info("pairing state {} -> {}", before, now);
          if (now == KafkaStreams.State.RUNNING) running.countDown();
        });
  }

  /** The Streams configuration: StreamAlign defaults, then {@code client}, then exactly-once. */
  public static Properties streamsProperties(PairingConfig cfg, Properties client) {
    Objects.requireNonNull(cfg, "cfg");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, cfg.applicationId());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(cfg.streamThreads()));
    p.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LoggingProductionExceptionHandler.class.getName());
    p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    // a featurized part or sample is 5-20 KB: with the 16 KB default nearly every record opened a
    // batch of its
    // own (a new compressed stream, a new entry in the broker's log), which the pairing bench's
    // profile showed
    p.put(StreamsConfig.producerPrefix("batch.size"), Integer.toString(BATCH_SIZE_BYTES));
    // the largest record pairing writes is far smaller (samples are fixed-size features, dead
    // letters are
    // bounded by DeadLetters.MAX_ENCODED_BYTES); the input limit keeps every size limit one figure
    p.put(
        StreamsConfig.producerPrefix("max.request.size"),
        Integer.toString(Topics.INPUT_MAX_MESSAGE_BYTES));
    // wait for the records already in Kafka on every input partition of a task (not for records
    // not yet sent) before processing past them: Streams then orders the modalities by timestamp,
    // so a fast replay (or one slow fetch at start-up) cannot run stream time ahead of a modality
    // that has not been fetched yet
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(MAX_TASK_IDLE_MS));
    // Streams' own buffer sizes (1000 records per partition, 500 per poll): with 32 of each (to
    // keep
    // compressible 10 MiB frames from filling the heap) pairing ran 5-7 times slower; such values
    // are now cut as they are read (BoundedValueDeserializer), so a buffered record costs at most
    // the input limit (docs/producing.md, "Size limits")
    p.putAll(client);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    return p;
  }

  /** Starts processing (returns at once). */
  public void start() {
    streams.start();
  }

  /** Waits until the app reaches RUNNING for the first time. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Current Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The underlying Streams instance (metrics, state queries). */
  public KafkaStreams streams() {
    return streams;
  }

  /** Stops processing and releases resources, waiting at most {@code timeout}. */
  public boolean stop(Duration timeout) {
    return streams.close(timeout);
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
