package io.streamalign.trainer;

import static io.streamalign.trainer.TrainerServiceIT.await;
import static io.streamalign.trainer.TrainerServiceIT.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.records.SnapshotKey;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.trainer.snapshot.SnapshotReader;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshot trust with a key, against the embedded broker and the real learner: the trainer signs
 * its snapshots; a forged, an unsigned and a corrupt snapshot appended after them are each rejected
 * (logged) and the trainer restores the newest valid one and continues its versions; a trainer with
 * another key finds no valid snapshot and starts from scratch.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class TrainerSnapshotTrustIT {

  private static final SnapshotKey KEY = SnapshotKey.of("trainer-it-key-0123456789abcdef");

  @Test
  @Timeout(480)
  void restoresTheNewestValidSnapshotAndRejectsTheRest(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    List<PairedSample> data = DigitPairs.load(TrainerServiceIT.SAMPLES).subList(0, 96);
    TrainerServiceIT.produce(broker, topics, data.subList(0, 64));
    TrainerConfig cfg =
        config(broker, topics, "digits-trust")
            .optSnapshotEverySamples(32)
            .optSnapshotKey(KEY)
            .build();

    TrainerService first = new TrainerService(cfg);
    first.start();
    await(
        "64 samples learned",
        Duration.ofMinutes(3),
        () -> first.samplesSeen() >= 64 || first.state().isTerminal());
    assertTrue(first.stop(Duration.ofMinutes(2)));
    assertEquals(TrainerState.STOPPED, first.state(), () -> "failure: " + first.failure());
    List<ModelSnapshot> good =
        SnapshotReader.all(
            cfg.kafka().clientProperties(),
            topics.snapshots(),
            "digits-trust",
            Duration.ofSeconds(60));
    ModelSnapshot lastGood = good.get(good.size() - 1);
    assertTrue(
        lastGood.getSignature() != null && lastGood.getSignature().length() == 64,
        "snapshots are signed");
    new SnapshotCodec(Optional.of(KEY)).verify(lastGood, TrainerService.FORMAT_VERSIONS);

    // Appended after the good ones, newest last: a forged version, an unsigned copy, a corrupt one.
    ModelSnapshot forged = ModelSnapshot.newBuilder(lastGood).setVersion(1_000_000_000L).build();
    ModelSnapshot unsigned =
        SnapshotCodec.unsigned()
            .seal(ModelSnapshot.newBuilder(lastGood).setVersion(lastGood.getVersion() + 1));
    byte[] params = SnapshotCodec.parameters(lastGood);
    params[params.length / 2] ^= 0x40;
    ModelSnapshot corrupt =
        ModelSnapshot.newBuilder(
                new SnapshotCodec(Optional.of(KEY))
                    .seal(ModelSnapshot.newBuilder(lastGood).setVersion(lastGood.getVersion() + 2)))
            .setParameters(ByteBuffer.wrap(params))
            .build();
    var p = broker.clientProperties();
    p.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES));
    try (KafkaProducer<String, ModelSnapshot> producer =
        new KafkaProducer<>(
            p,
            topics.snapshots().keySerde().serializer(),
            topics.snapshots().valueSerde().serializer())) {
      for (ModelSnapshot s : List.of(forged, unsigned, corrupt)) {
        producer.send(new ProducerRecord<>(topics.snapshots().name(), "digits-trust", s)).get();
      }
    }

    TrainerServiceIT.produce(broker, topics, data.subList(64, 96));
    TrainerService second = new TrainerService(cfg);
    second.start();
    assertEquals(
        Optional.of(lastGood.getVersion()),
        second.restoredVersion(),
        "the newest valid snapshot was restored");
    await(
        "32 more samples learned",
        Duration.ofMinutes(3),
        () -> second.samplesSeen() >= 96 || second.state().isTerminal());
    assertTrue(second.stop(Duration.ofMinutes(2)));
    assertEquals(TrainerState.STOPPED, second.state(), () -> "failure: " + second.failure());
    List<ModelSnapshot> after =
        SnapshotReader.all(
            cfg.kafka().clientProperties(),
            topics.snapshots(),
            "digits-trust",
            Duration.ofSeconds(60));
    ModelSnapshot newest = after.get(after.size() - 1);
    // the second trainer's snapshots follow the three appended records; its first step after the
    // restore
    // is a quarter batch, so the 32 samples may take more than one snapshot
    List<Long> versions =
        after.subList(good.size() + 3, after.size()).stream()
            .map(ModelSnapshot::getVersion)
            .toList();
    assertTrue(!versions.isEmpty(), "the second trainer published");
    for (int i = 0; i < versions.size(); i++) {
      assertEquals(
          lastGood.getVersion() + 1 + i,
          versions.get(i),
          "versions continue from the valid snapshot: " + versions);
    }
    assertEquals(96, newest.getSamplesSeen());

    // Another key: nothing in the topic is valid for it; the trainer starts from scratch.
    TrainerService stranger =
        new TrainerService(
            cfg.toBuilder()
                .optSnapshotKey(SnapshotKey.of("a-different-key-0123456789abcdef"))
                .build());
    stranger.start();
    assertEquals(Optional.empty(), stranger.restoredVersion());
    assertEquals(0, stranger.samplesSeen());
    assertTrue(stranger.crash(Duration.ofSeconds(60)));
  }
}
