package io.streamalign.trainer;

import static io.streamalign.trainer.TrainerServiceIT.await;
import static io.streamalign.trainer.TrainerServiceIT.committed;
import static io.streamalign.trainer.TrainerServiceIT.config;
import static io.streamalign.trainer.TrainerServiceIT.endOffsets;
import static io.streamalign.trainer.TrainerServiceIT.sourceOffsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import io.streamalign.trainer.snapshot.SnapshotReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults injected for real while the trainer learns, against the embedded broker with the real
 * learner: the broker refuses snapshot records (the snapshots topic's {@code max.message.bytes}
 * lowered, so the transaction fails and is aborted) while a second member joins the trainer's
 * consumer group (its partitions are revoked while the snapshot of their work cannot commit). The
 * learner must be rolled back; at the end, read from the topics: every snapshot's samplesSeen
 * equals the number of paired samples before its offsets (all of them distinct and valid), every
 * snapshot has the offsets of every input partition, versions have no gap, and nothing was lost.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TopicPartitions(2)
class TrainerFaultIT {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerFaultIT.class);
  private static final int SAMPLES = 256;

  @Test
  @Timeout(1200)
  void theModelAndTheCommittedOffsetsNeverDivergeUnderARevocationWhoseSnapshotFails(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    List<PairedSample> data = DigitPairs.load(TrainerServiceIT.SAMPLES).subList(0, SAMPLES);
    TrainerServiceIT.produce(broker, topics, data);
    String paired = topics.paired().name();
    Map<TopicPartition, Long> end = endOffsets(broker, paired);
    // Snapshots only when partitions are revoked and at the end: no periodic snapshot interferes.
    TrainerConfig cfg =
        config(broker, topics, "digits-faults")
            .optSnapshotEverySamples(100_000)
            .optSnapshotEvery(Duration.ofMinutes(30))
            .build();
    Properties client = cfg.kafka().clientProperties();

    TrainerService trainer = new TrainerService(cfg);
    trainer.start();
    await(
        "64 samples learned",
        Duration.ofMinutes(3),
        () -> trainer.samplesSeen() >= 64 || trainer.state().isTerminal());
    assertEquals(0, trainer.version());

    // The broker refuses snapshot records from now on, and a second member joins the group: the
    // trainer's partitions are revoked while the snapshot of their work cannot commit.
    setSnapshotLimit(broker, topics, "100000");
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, cfg.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> intruder =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      intruder.subscribe(List.of(paired));
      await(
          "a rollback after the revocation",
          Duration.ofMinutes(3),
          () -> {
            intruder.pause(
                intruder.assignment()); // holds its partition without reading or committing
            intruder.poll(Duration.ofMillis(50));
            return trainer.rollbacks() >= 1 || trainer.state().isTerminal();
          });
      assertEquals(0, trainer.version(), "nothing committed while the broker refused snapshots");
      // The broker accepts snapshots again; the trainer learns from the partition it holds.
      setSnapshotLimit(broker, topics, Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES));
      await(
          "32 samples learned on one partition",
          Duration.ofMinutes(3),
          () -> {
            intruder.pause(intruder.assignment());
            intruder.poll(Duration.ofMillis(50));
            return trainer.samplesSeen() >= 32 || trainer.state().isTerminal();
          });
    }
    // The second member left: the trainer publishes before its partition is revoked, gets both
    // partitions back and finishes.
    await(
        "every sample was learned",
        Duration.ofMinutes(8),
        () -> trainer.samplesSeen() >= SAMPLES || trainer.state().isTerminal());
    assertTrue(trainer.stop(Duration.ofMinutes(2)));
    assertEquals(TrainerState.STOPPED, trainer.state(), () -> "failure: " + trainer.failure());

    List<ModelSnapshot> all =
        SnapshotReader.all(client, topics.snapshots(), "digits-faults", Duration.ofSeconds(60));
    for (int i = 0; i < all.size(); i++) {
      ModelSnapshot s = all.get(i);
      assertEquals(i + 1, s.getVersion(), "versions without gaps");
      Map<TopicPartition, Long> offsets = sourceOffsets(s, paired);
      assertEquals(
          end.keySet(),
          offsets.keySet(),
          "v" + s.getVersion() + " has the offsets of every input partition");
      long before = offsets.values().stream().mapToLong(Long::longValue).sum();
      assertEquals(
          before,
          s.getSamplesSeen(),
          "v"
              + s.getVersion()
              + ": samplesSeen equals the paired samples "
              + "before its offsets "
              + offsets);
    }
    ModelSnapshot last = all.get(all.size() - 1);
    assertEquals(SAMPLES, last.getSamplesSeen(), "every sample learned exactly once");
    assertEquals(end, sourceOffsets(last, paired));
    assertEquals(
        end,
        committed(broker, cfg.groupId(), paired),
        "the group committed exactly the last snapshot's offsets");
    assertTrue(all.size() >= 2, "a snapshot at the revocation and a final one: " + all.size());
    LOG.info(
        "FIGURES faults: {} snapshots, {} rollbacks, last v{} with {} samples seen",
        all.size(),
        trainer.rollbacks(),
        last.getVersion(),
        last.getSamplesSeen());
  }

  private static void setSnapshotLimit(EmbeddedKafkaBroker broker, Topics topics, String bytes)
      throws Exception {
    try (Admin admin = broker.admin()) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topics.snapshots().name());
      admin
          .incrementalAlterConfigs(
              Map.of(
                  r,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET))))
          .all()
          .get();
    }
  }
}
