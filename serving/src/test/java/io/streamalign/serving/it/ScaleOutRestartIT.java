package io.streamalign.serving.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two serving instances with the same application id split the partitions of {@code av.infer};
 * instances stopped and restarted while records keep arriving publish every prediction exactly
 * once.
 */
@Tag("integration")
@Timeout(300)
@TopicPartitions(4)
@ExtendWith(EmbeddedKafkaExtension.class)
class ScaleOutRestartIT {

  private static final String MODEL = "scaleout";

  @Test
  void instancesSharePartitionsAndRestartsDoNotDuplicate(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    DigitData data = DigitData.loadOrSkip();
    LearnerConfig cfg = DigitData.config();
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    List<float[]> sounds = new ArrayList<>();
    for (int d : digits) sounds.add(data.audio(data.clips(d, true).get(1)));

    try (KafkaProducer<String, byte[]> producer = ItSupport.producer(broker, topics);
        ItSupport.Collector<Prediction> predictions = ItSupport.predictions(broker, topics)) {
      try (CrossModalLearner l = data.trained(cfg, digits, 1, 21)) {
        ItSupport.publish(
            producer, topics, ItSupport.snapshot(MODEL, 1, l, l.snapshot(Map.of()), null, cfg));
      }
      ServingService a = service(broker, topics, "a");
      ServingService b = service(broker, topics, "b");
      a.start();
      b.start();
      assertTrue(a.awaitModel(Duration.ofSeconds(60)) && b.awaitModel(Duration.ofSeconds(60)));
      assertTrue(
          a.awaitAssigned(Duration.ofSeconds(60)) && b.awaitAssigned(Duration.ofSeconds(60)));

      Set<String> sent = ConcurrentHashMap.newKeySet();
      AtomicInteger next = new AtomicInteger();
      long t0 = System.nanoTime();
      for (int i = 0; i < 200; i++)
        send(producer, topics, cfg, sounds, next.getAndIncrement(), sent);
      producer.flush();
      ItSupport.await(
          "first 200 predicted", Duration.ofSeconds(60), () -> predictions.records.size() >= 200);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long byA = a.metrics().predictionCount();
      long byB = b.metrics().predictionCount();
      System.out.printf(
          "ScaleOutRestartIT: instance a predicted %d, b %d of 200 (send to committed prediction:"
              + " %.2f s, %.0f predictions/s, audio-only, two instances)%n",
          byA, byB, seconds, 200 / seconds);
      assertTrue(byA > 0 && byB > 0, "both instances take a share: a=" + byA + " b=" + byB);
      assertEquals(200, byA + byB);

      // restarts under continuous load
      AtomicBoolean sending = new AtomicBoolean(true);
      Thread load =
          new Thread(
              () -> {
                while (sending.get()) {
                  send(producer, topics, cfg, sounds, next.getAndIncrement(), sent);
                  try {
                    Thread.sleep(5);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "it-load");
      load.start();
      Thread.sleep(1000);
      a.stop();
      Thread.sleep(1500);
      ServingService a2 = service(broker, topics, "a");
      a2.start();
      assertTrue(a2.awaitAssigned(Duration.ofSeconds(60)));
      Thread.sleep(1500);
      b.stop();
      Thread.sleep(1500);
      sending.set(false);
      load.join();
      producer.flush();
      try {
        ItSupport.await(
            "every sample predicted",
            Duration.ofSeconds(90),
            () ->
                predictions.records.stream().map(r -> r.value().getSampleId()).distinct().count()
                    >= sent.size());
        Thread.sleep(1500);
        Map<String, Integer> counts =
            ItSupport.counts(predictions.values().stream().map(Prediction::getSampleId).toList());
        assertEquals(sent, counts.keySet());
        List<String> dups =
            counts.entrySet().stream()
                .filter(e -> e.getValue() != 1)
                .map(Map.Entry::getKey)
                .toList();
        assertTrue(dups.isEmpty(), "duplicated predictions: " + dups);
        System.out.printf(
            "ScaleOutRestartIT: %d samples through two restarts, %d predictions, no duplicate%n",
            sent.size(), predictions.records.size());
      } finally {
        a2.stop();
      }
    }
  }

  private static ServingService service(
      EmbeddedKafkaBroker broker, Topics topics, String instance) {
    return ServingService.withCrossModalLearner(
        ServingConfig.builder(ItSupport.settings(broker, topics))
            .setModelName(MODEL)
            .optApplicationId("scaleout-it")
            .optInstanceId(instance)
            .optBatchSize(32)
            .optBatchMaxWait(Duration.ofMillis(20))
            .build());
  }

  private static void send(
      KafkaProducer<String, byte[]> producer,
      Topics topics,
      LearnerConfig cfg,
      List<float[]> sounds,
      int i,
      Set<String> sent) {
    String id = "x" + i;
    ItSupport.sendInfer(
        producer,
        topics,
        ItSupport.sample(id, "stream" + (i % 16))
            .setAudio(ItSupport.tensor(Modality.AUDIO, sounds.get(i % sounds.size()), cfg))
            .build());
    sent.add(id);
  }
}
