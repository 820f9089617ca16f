package io.streamalign.trainer;

import static io.streamalign.trainer.TrainerServiceIT.await;
import static io.streamalign.trainer.TrainerServiceIT.config;
import static io.streamalign.trainer.TrainerServiceIT.endOffsets;
import static io.streamalign.trainer.TrainerServiceIT.sourceOffsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.trainer.snapshot.SnapshotReader;
import io.streamalign.trainer.snapshot.SnapshotTooLargeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing of a second trainer with the same model name, dead letters in the same transactions, the
 * metrics endpoint, and the snapshot size checks, against a real embedded broker with the real
 * learner.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class TrainerFencingIT {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerFencingIT.class);
  private static final int SAMPLES = 320;

  @Test
  @Timeout(420)
  void aSecondTrainerFencesTheFirstWhichStopsCleanly(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    List<PairedSample> data = DigitPairs.load(TrainerServiceIT.SAMPLES).subList(0, SAMPLES);
    // one undecodable record first: it must reach the dead-letter topic exactly once
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            broker.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(
              new ProducerRecord<>(
                  topics.paired().name(),
                  "cam9".getBytes(StandardCharsets.UTF_8),
                  "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    TrainerServiceIT.produce(broker, topics, data);
    // a few-shot enrollment of a class the stream never labels: spoken "seven" clips as class
    // "seven-spoken"
    try (KafkaProducer<String, SupportExample> p =
        new KafkaProducer<>(
            broker.clientProperties(),
            topics.support().keySerde().serializer(),
            topics.support().valueSerde().serializer())) {
      PairedSample source = data.get(0);
      p.send(
              new ProducerRecord<>(
                  topics.support().name(),
                  "seven-spoken",
                  SupportExample.newBuilder()
                      .setExampleId("support-0")
                      .setClassName("seven-spoken")
                      .setModality(io.streamalign.schemas.avro.Modality.AUDIO)
                      .setFeatures(source.getAudio())
                      .setEventTimeMs(source.getEventTimeMs())
                      .build()))
          .get();
    }
    int port = freePort();
    TrainerConfig cfg =
        config(broker, topics, "digits-fence")
            .optSnapshotEverySamples(64)
            .optMetricsPort(port)
            .build();

    TrainerService first = new TrainerService(cfg);
    first.start();
    await(
        "the first trainer published a snapshot",
        Duration.ofMinutes(3),
        () -> first.version() >= 1 || first.state().isTerminal());
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> metrics = get(http, port, "/metrics");
    assertEquals(200, metrics.statusCode());
    for (String name :
        List.of(
            "streamalign_trainer_samples_total",
            "streamalign_trainer_step_seconds",
            "streamalign_trainer_snapshot_version",
            "streamalign_trainer_consumer_lag",
            "streamalign_trainer_rho",
            "streamalign_trainer_prequential_accuracy",
            "streamalign_trainer_drift_events_total")) {
      assertTrue(
          metrics.body().contains(name), name + " missing from /metrics:\n" + metrics.body());
    }
    HttpResponse<String> health = get(http, port, "/health");
    assertEquals(200, health.statusCode());
    assertTrue(
        health.body().contains("\"status\":\"UP\"")
            && health.body().contains("\"model\":\"digits-fence\""),
        health.body());

    TrainerConfig second = cfg.toBuilder().optMetricsPort(0).build();
    TrainerService successor = new TrainerService(second);
    successor.start();
    await(
        "the first trainer noticed it was fenced",
        Duration.ofMinutes(2),
        () -> first.state().isTerminal());
    assertEquals(TrainerState.FENCED, first.state(), () -> "failure: " + first.failure());
    HttpResponse<String> down = get(http, port, "/health");
    assertEquals(503, down.statusCode());
    assertTrue(down.body().contains("\"state\":\"FENCED\""), down.body());
    first.close();

    long restored = successor.restoredVersion().orElseThrow();
    long restoredSeen =
        SnapshotReader.all(
                cfg.kafka().clientProperties(),
                topics.snapshots(),
                "digits-fence",
                Duration.ofSeconds(60))
            .stream()
            .filter(s -> s.getVersion() == restored)
            .findFirst()
            .orElseThrow()
            .getSamplesSeen();
    await(
        "the successor learned everything",
        Duration.ofMinutes(4),
        () ->
            restoredSeen + successor.learnedSinceStart() >= SAMPLES
                || successor.state().isTerminal());
    assertTrue(successor.stop(Duration.ofMinutes(2)));
    assertEquals(TrainerState.STOPPED, successor.state(), () -> "failure: " + successor.failure());

    List<ModelSnapshot> all =
        SnapshotReader.all(
            cfg.kafka().clientProperties(),
            topics.snapshots(),
            "digits-fence",
            Duration.ofSeconds(60));
    for (int i = 0; i < all.size(); i++) assertEquals(i + 1, all.get(i).getVersion());
    ModelSnapshot last = all.get(all.size() - 1);
    assertEquals(SAMPLES, last.getSamplesSeen());
    assertTrue(
        last.getClasses().contains("seven-spoken"),
        "the enrolled class is in the model: " + last.getClasses());
    assertEquals(
        endOffsets(broker, topics.paired().name()), sourceOffsets(last, topics.paired().name()));

    List<DeadLetter> letters = committedDeadLetters(broker, topics.paired().dlq());
    assertEquals(1, letters.size(), "the bad record is dead-lettered exactly once: " + letters);
    assertEquals(0L, letters.get(0).getOffset());
    assertEquals("trainer.decode", letters.get(0).getStage());
    LOG.info(
        "FIGURES fencing: first trainer fenced after v{}, successor restored v{} and finished at v{} with {} samples",
        restored,
        restored,
        last.getVersion(),
        last.getSamplesSeen());
  }

  @Test
  @Timeout(180)
  void aSnapshotTooLargeForTheProducerNamesMaxRequestSize(
      EmbeddedKafkaBroker broker, Topics topics) {
    TrainerService t =
        new TrainerService(
            config(broker, topics, "digits-small").optSnapshotMaxRequestBytes(4096).build());
    SnapshotTooLargeException e = assertThrows(SnapshotTooLargeException.class, t::start);
    assertEquals("max.request.size", e.setting());
    assertTrue(
        e.getMessage().contains("max.request.size") && e.getMessage().contains("4096"),
        e.getMessage());
    assertTrue(e.recordBytes() > 1_000_000, "the real model is megabytes: " + e.recordBytes());
    assertEquals(TrainerState.FAILED, t.state());
    t.close();
  }

  @Test
  @Timeout(180)
  void aSnapshotTooLargeForTheTopicNamesMaxMessageBytes(EmbeddedKafkaBroker broker)
      throws Exception {
    Topics small = Topics.withPrefix("it.trainerlimits.");
    broker.createTopics(small, 1);
    try (Admin admin = broker.admin()) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, small.snapshots().name());
      admin
          .incrementalAlterConfigs(
              Map.of(
                  r,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", "100000"),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }
    TrainerService t = new TrainerService(config(broker, small, "digits-topic-limit").build());
    SnapshotTooLargeException e = assertThrows(SnapshotTooLargeException.class, t::start);
    assertEquals("max.message.bytes", e.setting());
    assertTrue(
        e.getMessage().contains("max.message.bytes")
            && e.getMessage().contains(small.snapshots().name()),
        e.getMessage());
    t.close();
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static List<DeadLetter> committedDeadLetters(EmbeddedKafkaBroker broker, String topic) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    AvroSerde<DeadLetter> serde = AvroSerde.of(DeadLetter.class);
    List<DeadLetter> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
          out.add(serde.decode(r.value()));
      }
    }
    return out;
  }
}
