package io.streamalign.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import io.streamalign.trainer.snapshot.SnapshotReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer against a real embedded KRaft broker, with the real {@code CrossModalLearner} on real
 * digit data (MNIST images + FSDD speech): exactly-once across a crash and a restart, monotonic
 * versions, prequential accuracy above chance.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TopicPartitions(2)
class TrainerServiceIT {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerServiceIT.class);
  static final int SAMPLES = 1600;
  static final int DRIFT_SAMPLES = 256;

  static TrainerConfig.Builder config(EmbeddedKafkaBroker broker, Topics topics, String model) {
    KafkaSettings kafka =
        KafkaSettings.builder()
            .setBootstrapServers(broker.bootstrapServers())
            .optTopicPrefix(topics.prefix())
            .build();
    return TrainerConfig.builder()
        .setModelName(model)
        .setKafka(kafka)
        .optBatchSize(32)
        .optBatchMaxWait(Duration.ofMillis(200))
        .optSnapshotEverySamples(256)
        .optSnapshotEvery(Duration.ofSeconds(20))
        .optPromotionWindow(300);
  }

  static void produce(EmbeddedKafkaBroker broker, Topics topics, List<PairedSample> samples) {
    Properties p = broker.clientProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (KafkaProducer<String, PairedSample> producer =
        new KafkaProducer<>(
            p,
            topics.paired().keySerde().serializer(),
            topics.paired().valueSerde().serializer())) {
      List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
      for (PairedSample s : samples)
        sent.add(producer.send(new ProducerRecord<>(topics.paired().name(), s.getStreamId(), s)));
      producer.flush();
      for (var f : sent) f.get(); // a record the broker refused fails the test here, not later
    } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
      throw new IllegalStateException("producing the test's paired samples failed", e);
    }
  }

  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        fail("timed out after " + timeout + " waiting until " + what);
      Thread.sleep(50);
    }
  }

  static Map<TopicPartition, Long> endOffsets(EmbeddedKafkaBroker broker, String topic) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            broker.clientProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      return new HashMap<>(c.endOffsets(parts));
    }
  }

  static Map<TopicPartition, Long> committed(
      EmbeddedKafkaBroker broker, String groupId, String topic) throws Exception {
    try (Admin admin = broker.admin()) {
      Map<TopicPartition, OffsetAndMetadata> m =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, Long> out = new HashMap<>();
      m.forEach(
          (tp, o) -> {
            if (tp.topic().equals(topic) && o != null) out.put(tp, o.offset());
          });
      return out;
    }
  }

  static Map<TopicPartition, Long> sourceOffsets(ModelSnapshot s, String topic) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartitionOffset o : s.getSourceOffsets()) {
      if (o.getTopic().equals(topic))
        out.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
    }
    return out;
  }

  static Map<TopicPartition, Long> only(Map<TopicPartition, Long> m, String topic) {
    Map<TopicPartition, Long> out = new HashMap<>();
    m.forEach(
        (tp, o) -> {
          if (tp.topic().equals(topic)) out.put(tp, o);
        });
    return out;
  }

  @Test
  @Timeout(900) // 1,856 real learn steps: 575-665 s on a shared, loaded 2-core machine
  void everySampleIsLearnedExactlyOnceAcrossACrashAndARestart(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    List<PairedSample> data = DigitPairs.load(SAMPLES);
    produce(broker, topics, data);
    String paired = topics.paired().name();
    Map<TopicPartition, Long> end = endOffsets(broker, paired);
    assertEquals(SAMPLES, end.values().stream().mapToLong(Long::longValue).sum());
    // snapshots by sample count only (every 256), so the crash below surely lands between two
    // snapshots
    TrainerConfig cfg =
        config(broker, topics, "digits-eo").optSnapshotEvery(Duration.ofMinutes(10)).build();
    Properties client = cfg.kafka().clientProperties();

    long t0 = System.nanoTime();
    TrainerService first = new TrainerService(cfg);
    first.start();
    await(
        "the first trainer published 3 snapshots",
        Duration.ofMinutes(5),
        () -> first.version() >= 3 || first.state().isTerminal());
    // learn a little past the last snapshot, then die without committing it
    long v3learned = first.learnedSinceStart();
    await(
        "some unsnapshotted work",
        Duration.ofMinutes(2),
        () -> first.learnedSinceStart() >= v3learned + 64 || first.state().isTerminal());
    long learnedBeforeCrash = first.learnedSinceStart();
    // backpressure: the whole input was waiting, so the bounded buffer filled and the input was
    // paused
    assertTrue(first.pauses() > 0, "the input partitions were never paused");
    assertTrue(
        first.maxPendingSeen() <= cfg.maxPendingSamples() + cfg.batchSize(),
        "pending buffer exceeded its bound: " + first.maxPendingSeen());
    assertTrue(first.crash(Duration.ofSeconds(60)));
    assertEquals(TrainerState.CRASHED, first.state(), () -> "failure: " + first.failure());
    double firstSecs = (System.nanoTime() - t0) / 1e9;

    ModelSnapshot beforeRestart =
        SnapshotReader.latest(client, topics.snapshots(), "digits-eo", Duration.ofSeconds(60))
            .orElseThrow()
            .newest();
    assertTrue(
        beforeRestart.getSamplesSeen() < learnedBeforeCrash,
        "the crash lost unsnapshotted work: snapshot has "
            + beforeRestart.getSamplesSeen()
            + ", learned "
            + learnedBeforeCrash);
    assertEquals(
        sourceOffsets(beforeRestart, paired),
        committed(broker, cfg.groupId(), paired),
        "the newest committed snapshot records exactly the group's committed offsets");

    TrainerService second = new TrainerService(cfg);
    second.start();
    assertEquals(Optional.of(beforeRestart.getVersion()), second.restoredVersion());
    await(
        "the restarted trainer was assigned its partitions",
        Duration.ofMinutes(1),
        () -> only(second.restoredOffsets(), paired).size() == end.size());
    assertEquals(
        sourceOffsets(beforeRestart, paired),
        only(second.restoredOffsets(), paired),
        "the consumer resumed at the restored snapshot's offsets");
    assertEquals(
        only(second.committedAtAssignment(), paired),
        only(second.restoredOffsets(), paired),
        "the restored model's offsets equal the committed offsets");
    await(
        "every sample was learned",
        Duration.ofMinutes(6),
        () ->
            beforeRestart.getSamplesSeen() + second.learnedSinceStart() >= SAMPLES
                || second.state().isTerminal());
    double accuracyBeforeDrift = second.windowAccuracy();
    long falseAlarms = second.driftEvents();

    // Concept drift: the same kind of inputs, but every label now names another digit (d -> d+3 mod
    // 10).
    List<PairedSample> drifted = new ArrayList<>();
    for (int i = 0; i < DRIFT_SAMPLES; i++) {
      PairedSample s = data.get(i);
      String label = Integer.toString((Integer.parseInt(s.getLabel()) + 3) % 10);
      drifted.add(
          PairedSample.newBuilder(s)
              .setSampleId("drift-" + i)
              .setLabel(label)
              .setConceptGroup(label)
              .build());
    }
    produce(broker, topics, drifted);
    Map<TopicPartition, Long> endAfterDrift = endOffsets(broker, paired);
    await(
        "every drifted sample was learned",
        Duration.ofMinutes(3),
        () ->
            beforeRestart.getSamplesSeen() + second.learnedSinceStart() >= SAMPLES + DRIFT_SAMPLES
                || second.state().isTerminal());
    long driftEvents = second.driftEvents();
    String scraped = second.scrapeMetrics();
    assertTrue(second.stop(Duration.ofMinutes(2)));
    assertEquals(TrainerState.STOPPED, second.state(), () -> "failure: " + second.failure());
    double totalSecs = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, falseAlarms, "no drift signalled while the stream was stationary");
    assertTrue(driftEvents >= 1, "the label shift was not detected as drift");
    assertTrue(
        scraped.contains(
            "streamalign_trainer_drift_events_total{model=\"digits-eo\"} " + driftEvents + ".0"),
        "drift events in /metrics:\n" + scraped);

    List<ModelSnapshot> all =
        SnapshotReader.all(client, topics.snapshots(), "digits-eo", Duration.ofSeconds(60));
    for (int i = 0; i < all.size(); i++) {
      assertEquals(
          i + 1,
          all.get(i).getVersion(),
          "versions continue monotonically, without gaps, across the crash");
    }
    ModelSnapshot last = all.get(all.size() - 1);
    assertEquals(
        SAMPLES + DRIFT_SAMPLES,
        last.getSamplesSeen(),
        "each input sample is reflected exactly once in the final model");
    assertEquals(
        endAfterDrift,
        sourceOffsets(last, paired),
        "the final snapshot was trained up to the end of the input");
    assertEquals(
        endAfterDrift,
        committed(broker, cfg.groupId(), paired),
        "and the group committed exactly that");
    assertEquals((double) driftEvents, last.getMetrics().get("driftEvents"));
    assertEquals(0, second.deadLetters());
    assertEquals(io.streamalign.records.SnapshotCodec.sha256Hex(bytes(last)), last.getSha256());
    assertTrue(last.getVersion() > beforeRestart.getVersion());

    double accuracy = accuracyBeforeDrift;
    double learnerFused = last.getMetrics().getOrDefault("prequential.FUSED", Double.NaN);
    double firstAccuracy = all.get(0).getMetrics().getOrDefault("gate.accuracy", Double.NaN);
    LOG.info(
        "FIGURES exactly-once: {} samples, {} snapshots, crash after {} learned ({} in the last committed "
            + "snapshot, {} redone), first run {} s, total {} s ({} samples/s), snapshot {} bytes, "
            + "window fused accuracy first {} last {}, learner cumulative FUSED {}, promoted {}, pauses {}, max pending {}, drift events {} (on {} relabeled samples)",
        SAMPLES,
        all.size(),
        learnedBeforeCrash,
        beforeRestart.getSamplesSeen(),
        learnedBeforeCrash - beforeRestart.getSamplesSeen(),
        String.format("%.1f", firstSecs),
        String.format("%.1f", totalSecs),
        String.format("%.1f", (learnedBeforeCrash + second.learnedSinceStart()) / totalSecs),
        last.getParameters().remaining(),
        firstAccuracy,
        accuracy,
        learnerFused,
        all.stream().map(s -> s.getPromoted() ? "y" : "n").toList(),
        first.pauses() + second.pauses(),
        Math.max(first.maxPendingSeen(), second.maxPendingSeen()),
        driftEvents,
        DRIFT_SAMPLES);
    assertTrue(
        accuracy > 0.3,
        "prequential fused accuracy over the last 300 samples before the drift is "
            + accuracy
            + " (chance 0.1)");
    assertFalse(Double.isNaN(learnerFused), "the learner reports its prequential FUSED accuracy");
  }

  private static byte[] bytes(ModelSnapshot s) {
    var b = s.getParameters().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
