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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The prediction loop's micro-batches adapt to the load (serving/README.md, "Guarantees"): a lone
 * event is predicted and committed at once, not held for {@code serving.batch.max.wait.ms}; a burst
 * is predicted in batches of many events while earlier transactions commit, and every event of it
 * is predicted exactly once (read_committed).
 */
@Tag("integration")
@Timeout(240)
@TopicPartitions(2)
@ExtendWith(EmbeddedKafkaExtension.class)
class AdaptiveBatchingIT {

  private static final String MODEL = "adaptive";

  /** Far longer than a prediction takes: a loop that waited for it could not answer in time. */
  private static final Duration MAX_WAIT = Duration.ofSeconds(6);

  @Test
  void loneEventsGoAtOnceAndBurstsAreBatchedExactlyOnce(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    DigitData data = DigitData.loadOrSkip();
    LearnerConfig cfg = DigitData.config();
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    List<float[]> sounds = new ArrayList<>();
    for (int d : digits) sounds.add(data.audio(data.clips(d, true).get(3)));
    Set<String> sent = new LinkedHashSet<>();
    try (KafkaProducer<String, byte[]> producer = ItSupport.producer(broker, topics);
        ItSupport.Collector<Prediction> committed = ItSupport.predictions(broker, topics)) {
      try (CrossModalLearner l = data.trained(cfg, digits, 1, 43)) {
        ItSupport.publish(
            producer, topics, ItSupport.snapshot(MODEL, 1, l, l.snapshot(Map.of()), null, cfg));
      }
      try (ServingService svc =
          ServingService.withCrossModalLearner(
              ServingConfig.builder(ItSupport.settings(broker, topics))
                  .setModelName(MODEL)
                  .optApplicationId("adaptive-it")
                  .optBatchSize(32)
                  .optBatchMaxWait(MAX_WAIT)
                  .build())) {
        svc.start();
        assertTrue(svc.awaitAssigned(Duration.ofSeconds(60)));

        // lone events, one at a time: each answered well before the max wait
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          send(producer, topics, cfg, sounds, i, sent, true);
          int expected = i + 1;
          ItSupport.await(
              "lone event " + i,
              Duration.ofSeconds(60),
              () -> committed.records.size() >= expected);
          long ms = (System.nanoTime() - t0) / 1_000_000;
          System.out.printf(
              "AdaptiveBatchingIT: lone event %d answered in %d ms (max wait %d ms)%n",
              i, ms, MAX_WAIT.toMillis());
          assertTrue(
              ms < MAX_WAIT.toMillis() - 1000,
              "lone event " + i + " took " + ms + " ms: it waited for the micro-batch to fill");
        }
        assertEquals(3, svc.metrics().predictionCount());

        // a burst: batched, every event exactly once
        for (int i = 3; i < 803; i++) send(producer, topics, cfg, sounds, i, sent, false);
        producer.flush();
        ItSupport.await(
            "the burst predicted",
            Duration.ofSeconds(120),
            () ->
                committed.values().stream().map(Prediction::getSampleId).distinct().count()
                    >= sent.size());
        Thread.sleep(1000);
        Map<String, Integer> counts =
            ItSupport.counts(committed.values().stream().map(Prediction::getSampleId).toList());
        assertEquals(sent, counts.keySet());
        counts.forEach(
            (id, n) -> assertEquals(1, n, id + " predicted " + n + " times (read_committed)"));
        double meanBatch = svc.metrics().meanBatchSize();
        System.out.printf(
            "AdaptiveBatchingIT: %d events, mean predict batch %.1f%n", sent.size(), meanBatch);
        assertTrue(
            meanBatch > 2,
            "a burst of 800 events was predicted in batches of " + meanBatch + " on average");
      }
    }
  }

  private static void send(
      KafkaProducer<String, byte[]> producer,
      Topics topics,
      LearnerConfig cfg,
      List<float[]> sounds,
      int i,
      Set<String> sent,
      boolean flush) {
    String id = "b" + i;
    ItSupport.sendInfer(
        producer,
        topics,
        ItSupport.sample(id, "mic" + (i % 8))
            .setAudio(ItSupport.tensor(Modality.AUDIO, sounds.get(i % sounds.size()), cfg))
            .build());
    if (flush) producer.flush();
    sent.add(id);
  }
}
