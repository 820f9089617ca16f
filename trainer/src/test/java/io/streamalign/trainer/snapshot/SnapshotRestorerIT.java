package io.streamalign.trainer.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.model.OnlineLearner;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The restore reads only the tail of the snapshots topic (a restart must not read every snapshot of
 * the active segment), yet finds what a read of the whole topic finds: the newest valid snapshot
 * when the newest 20 are corrupt, and the last promoted one (the promotion gate's baseline) 30
 * snapshots further back; each rejected snapshot is tried once.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class SnapshotRestorerIT {

  private static final Set<Integer> FORMATS = Set.of(1);

  @Test
  @Timeout(120)
  void findsWhatAFullReadFindsWhileReadingOnlyTheTail(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    String model = "tail-model";
    // v1..v10 promoted, v11..v40 not; v41..v60 corrupt (sha256 mismatch); 60 records, 3x the first
    // window
    List<ModelSnapshot> written = new ArrayList<>();
    for (int v = 1; v <= 60; v++) {
      ModelSnapshot s = snapshot(model, v, v <= 10);
      if (v > 40) s.setSha256("00" + s.getSha256().substring(2));
      written.add(s);
    }
    send(broker, topics, model, written);

    List<String> restored = new ArrayList<>();
    Function<byte[], OnlineLearner> restore =
        bytes -> {
          restored.add(new String(bytes, StandardCharsets.UTF_8));
          return learner();
        };
    SnapshotRestorer restorer =
        new SnapshotRestorer(
            broker.clientProperties(),
            topics.snapshots(),
            model,
            SnapshotCodec.unsigned(),
            FORMATS);
    Optional<SnapshotRestorer.Restored> r = restorer.newestValid(restore, Duration.ofSeconds(60));

    assertTrue(r.isPresent(), "a valid snapshot exists");
    assertEquals(
        40, r.get().snapshot().getVersion(), "the newest valid one, behind 20 corrupt ones");
    assertEquals(20, r.get().rejected(), "each corrupt one rejected once");
    assertEquals(
        List.of("params-40"),
        restored,
        "only the chosen one is restored (corrupt ones fail verification)");
    assertEquals(
        Optional.of(10L),
        r.get().lastPromoted().map(ModelSnapshot::getVersion),
        "the baseline is the last promoted snapshot, 30 versions back");
    assertEquals(
        Map.of(new org.apache.kafka.common.TopicPartition("av.paired", 0), 40L), r.get().offsets());

    // the same answer a read of the whole topic gives
    List<ModelSnapshot> all =
        SnapshotReader.all(
            broker.clientProperties(), topics.snapshots(), model, Duration.ofSeconds(60));
    assertEquals(60, all.size());
    SnapshotReader.Tail tail =
        SnapshotReader.tail(
            broker.clientProperties(), topics.snapshots(), model, 16, Duration.ofSeconds(60));
    assertTrue(
        !tail.complete() && tail.snapshots().size() <= 16 && !tail.snapshots().isEmpty(),
        "the first read covers only the tail: " + tail.snapshots().size());
    assertEquals(60, tail.snapshots().get(tail.snapshots().size() - 1).getVersion());
  }

  @Test
  @Timeout(120)
  void noValidSnapshotAtAllReadsEverythingAndStartsFromScratch(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    String model = "all-bad";
    List<ModelSnapshot> written = new ArrayList<>();
    for (int v = 1; v <= 40; v++) {
      ModelSnapshot s = snapshot(model, v, true);
      s.setSha256("ff" + s.getSha256().substring(2));
      written.add(s);
    }
    send(broker, topics, model, written);
    int[] calls = new int[1];
    SnapshotRestorer restorer =
        new SnapshotRestorer(
            broker.clientProperties(),
            topics.snapshots(),
            model,
            SnapshotCodec.unsigned(),
            FORMATS);
    assertEquals(
        Optional.empty(),
        restorer.newestValid(
            b -> {
              calls[0]++;
              return learner();
            },
            Duration.ofSeconds(60)));
    assertEquals(0, calls[0]);
  }

  static ModelSnapshot snapshot(String model, long v, boolean promoted) {
    return SnapshotCodec.unsigned()
        .seal(
            ModelSnapshot.newBuilder()
                .setModelName(model)
                .setVersion(v)
                .setFormatVersion(1)
                .setCreatedAtMs(1_000_000L + v)
                .setConfigJson("{}")
                .setParameters(ByteBuffer.wrap(("params-" + v).getBytes(StandardCharsets.UTF_8)))
                .setSha256("")
                .setClasses(List.of())
                .setModalities(List.of())
                .setPromoted(promoted)
                .setSourceOffsets(
                    List.of(
                        io.streamalign.schemas.avro.TopicPartitionOffset.newBuilder()
                            .setTopic("av.paired")
                            .setPartition(0)
                            .setOffset(v)
                            .build()))
                .setSamplesSeen(v)
                .setLearnerClass("test")
                .setBuildVersion("test"));
  }

  private static void send(
      EmbeddedKafkaBroker broker, Topics topics, String model, List<ModelSnapshot> snapshots)
      throws Exception {
    var p = broker.clientProperties();
    p.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES));
    try (KafkaProducer<String, ModelSnapshot> producer =
        new KafkaProducer<>(
            p,
            topics.snapshots().keySerde().serializer(),
            topics.snapshots().valueSerde().serializer())) {
      for (ModelSnapshot s : snapshots)
        producer.send(new ProducerRecord<>(topics.snapshots().name(), model, s)).get();
    }
  }

  /** A learner object for the restorer to hand back; the restorer calls nothing on it. */
  private static OnlineLearner learner() {
    return (OnlineLearner)
        Proxy.newProxyInstance(
            OnlineLearner.class.getClassLoader(),
            new Class<?>[] {OnlineLearner.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) return null;
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
