package io.streamalign.serving.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A serving instance dies between publishing a micro-batch of predictions and committing it (fault
 * injection: transaction left open, producer not closed); its successor with the same instance id
 * fences the open transaction, re-reads from the committed offsets and predicts the batch again. A
 * read_committed reader sees every prediction exactly once; a read_uncommitted reader sees the dead
 * instance's predictions too, which shows that the crash really happened after the send.
 */
@Tag("integration")
@Timeout(240)
@TopicPartitions(2)
@ExtendWith(EmbeddedKafkaExtension.class)
class CrashRestartIT {

  private static final String MODEL = "crash";

  @Test
  void aCrashBetweenSendAndCommitDuplicatesNothing(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    DigitData data = DigitData.loadOrSkip();
    LearnerConfig cfg = DigitData.config();
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    List<float[]> sounds = new ArrayList<>();
    for (int d : digits) sounds.add(data.audio(data.clips(d, true).get(2)));
    Set<String> sent = new LinkedHashSet<>();
    try (KafkaProducer<String, byte[]> producer = ItSupport.producer(broker, topics);
        ItSupport.Collector<Prediction> committed = ItSupport.predictions(broker, topics)) {
      try (CrossModalLearner l = data.trained(cfg, digits, 1, 41)) {
        ItSupport.publish(
            producer, topics, ItSupport.snapshot(MODEL, 1, l, l.snapshot(Map.of()), null, cfg));
      }
      ServingService first = service(broker, topics);
      ServingService second = null;
      try {
        first.start();
        assertTrue(first.awaitAssigned(Duration.ofSeconds(60)));
        send(producer, topics, cfg, sounds, 0, 100, sent);
        ItSupport.await(
            "first 100 predicted", Duration.ofSeconds(60), () -> committed.records.size() >= 100);

        first.crashBeforeNextCommit();
        send(producer, topics, cfg, sounds, 100, 160, sent);
        ItSupport.await(
            "the first instance to die", Duration.ofSeconds(60), () -> !first.isRunning());
        send(producer, topics, cfg, sounds, 160, 200, sent);

        second = service(broker, topics);
        second.start();
        ItSupport.await(
            "every sample predicted",
            Duration.ofSeconds(90),
            () ->
                committed.values().stream().map(Prediction::getSampleId).distinct().count()
                    >= sent.size());
        Thread.sleep(1500);
      } finally {
        if (second != null) second.stop();
        first.stop();
      }
      Map<String, Integer> counts =
          ItSupport.counts(committed.values().stream().map(Prediction::getSampleId).toList());
      assertEquals(sent, counts.keySet());
      counts.forEach(
          (id, n) -> assertEquals(1, n, id + " predicted " + n + " times (read_committed)"));

      Map<String, Integer> uncommitted = readUncommitted(broker, topics);
      List<String> seenTwice =
          uncommitted.entrySet().stream()
              .filter(e -> e.getValue() > 1)
              .map(Map.Entry::getKey)
              .toList();
      System.out.printf(
          "CrashRestartIT: %d samples, %d committed predictions, %d predictions of the dead instance"
              + " visible only to read_uncommitted readers%n",
          sent.size(), committed.records.size(), seenTwice.size());
      assertFalse(seenTwice.isEmpty(), "the crash should have left uncommitted predictions behind");
    }
  }

  private static ServingService service(EmbeddedKafkaBroker broker, Topics topics) {
    return ServingService.withCrossModalLearner(
        ServingConfig.builder(ItSupport.settings(broker, topics))
            .setModelName(MODEL)
            .optApplicationId("crash-it")
            .optInstanceId("replica-0")
            .optBatchSize(32)
            .optBatchMaxWait(Duration.ofMillis(50))
            .build());
  }

  private static void send(
      KafkaProducer<String, byte[]> producer,
      Topics topics,
      LearnerConfig cfg,
      List<float[]> sounds,
      int from,
      int to,
      Set<String> sent) {
    for (int i = from; i < to; i++) {
      String id = "c" + i;
      ItSupport.sendInfer(
          producer,
          topics,
          ItSupport.sample(id, "mic" + (i % 8))
              .setAudio(ItSupport.tensor(Modality.AUDIO, sounds.get(i % sounds.size()), cfg))
              .build());
      sent.add(id);
    }
    producer.flush();
  }

  private static Map<String, Integer> readUncommitted(EmbeddedKafkaBroker broker, Topics topics) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      var partitions =
          c.partitionsFor(topics.predictions().name()).stream()
              .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline
          && partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          Prediction pr =
              topics.predictions().valueSerde().deserializer().deserialize(r.topic(), r.value());
          counts.merge(pr.getSampleId(), 1, Integer::sum);
        }
      }
    }
    return counts;
  }
}
