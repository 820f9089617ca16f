package io.streamalign.trainer.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The read-committed snapshot reader against the embedded broker. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class SnapshotReaderIT {

  /**
   * A snapshot whose transaction has just committed is read at once: commitTransaction() returns
   * before the commit markers are in the partition, and a reader that read only up to the last
   * stable offset of that moment missed it (a trainer's ITs saw "no snapshot" right after a stop).
   */
  @Test
  @Timeout(120)
  void aSnapshotCommittedJustBeforeTheReadIsRead(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    String model = "just-committed";
    var p = broker.clientProperties();
    p.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES));
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "just-committed-it");
    try (KafkaProducer<String, ModelSnapshot> producer =
        new KafkaProducer<>(
            p,
            topics.snapshots().keySerde().serializer(),
            topics.snapshots().valueSerde().serializer())) {
      producer.initTransactions();
      for (long v = 1; v <= 15; v++) {
        producer.beginTransaction();
        producer.send(
            new ProducerRecord<>(
                topics.snapshots().name(), model, SnapshotRestorerIT.snapshot(model, v, true)));
        producer.commitTransaction();
        Optional<SnapshotReader.Latest> latest =
            SnapshotReader.latest(
                broker.clientProperties(), topics.snapshots(), model, Duration.ofSeconds(30));
        assertEquals(
            Optional.of(v),
            latest.map(l -> l.newest().getVersion()),
            "the snapshot committed just before the read");
      }
    }
  }
}
