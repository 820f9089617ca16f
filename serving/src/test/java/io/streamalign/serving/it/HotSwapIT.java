package io.streamalign.serving.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.serving.http.HttpApi;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hot swap under continuous load against a real broker and real CrossModalLearner snapshots: v1 ->
 * v2, then a corrupted, an unrestorable and an incompatible snapshot are rejected while v2 keeps
 * serving, then v3. Every input is predicted exactly once, versions never go backwards within a
 * partition, audio-only samples are predicted, bad records reach the DLQ, and HTTP answers.
 */
@Tag("integration")
@Timeout(300)
@TopicPartitions(2)
@ExtendWith(EmbeddedKafkaExtension.class)
class HotSwapIT {

  private static final String MODEL = "hotswap";
  private static final Duration SWITCH_BOUND = Duration.ofSeconds(20);

  @Test
  void swapsUnderLoadWithoutLosingOrDuplicatingPredictions(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    DigitData data = DigitData.loadOrSkip();
    LearnerConfig cfg = DigitData.config();
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    byte[] v1;
    byte[] v2;
    byte[] v3;
    ModelSnapshot s1;
    ModelSnapshot s2;
    ModelSnapshot s3;
    ModelSnapshot incompatible;
    try (CrossModalLearner l = data.trained(cfg, digits, 2, 11)) {
      v1 = l.snapshot(Map.of("it", "v1"));
      s1 = ItSupport.snapshot(MODEL, 1, l, v1, null, cfg);
      data.learn(l, digits, 1, 12);
      v2 = l.snapshot(Map.of("it", "v2"));
      s2 = ItSupport.snapshot(MODEL, 2, l, v2, null, cfg);
      data.learn(l, digits, 1, 13);
      v3 = l.snapshot(Map.of("it", "v3"));
      s3 = ItSupport.snapshot(MODEL, 3, l, v3, null, cfg);
    }
    LearnerConfig other = cfg.with("embeddingDim", 64);
    try (CrossModalLearner l = CrossModalLearner.create(other)) {
      incompatible = ItSupport.snapshot(MODEL, 4, l, l.snapshot(Map.of()), null, other);
    }
    // a flipped bit in transit: the declared sha256 is the original's
    byte[] flipped = v3.clone();
    flipped[flipped.length / 2] ^= 0x10;
    ModelSnapshot corrupted =
        ModelSnapshot.newBuilder(s3).setParameters(java.nio.ByteBuffer.wrap(flipped)).build();
    // bytes that are not a snapshot at all, with a matching sha256: only restore can tell
    byte[] junk = new byte[4096];
    new Random(3).nextBytes(junk);
    ModelSnapshot unrestorable =
        ModelSnapshot.newBuilder(s3)
            .setParameters(java.nio.ByteBuffer.wrap(junk))
            .setSha256(io.streamalign.records.SnapshotCodec.sha256Hex(junk))
            .build();

    // a pool of real features to send
    List<float[]> images = new ArrayList<>();
    List<float[]> sounds = new ArrayList<>();
    for (int d : digits) {
      images.add(data.image(data.images(d).get(0)));
      sounds.add(data.audio(data.clips(d, true).get(0)));
    }

    ServingConfig sc =
        ServingConfig.builder(ItSupport.settings(broker, topics))
            .setModelName(MODEL)
            .optBatchSize(16)
            .optBatchMaxWait(Duration.ofMillis(20))
            .optHttpPort(-1)
            .optApplicationId("hotswap-it")
            .build();
    try (KafkaProducer<String, byte[]> producer = ItSupport.producer(broker, topics);
        ItSupport.Collector<Prediction> predictions = ItSupport.predictions(broker, topics);
        ItSupport.Collector<DeadLetter> dlq = ItSupport.deadLetters(broker, topics);
        ServingService svc = ServingService.withCrossModalLearner(sc)) {
      ItSupport.publish(producer, topics, s1);
      svc.start();
      assertTrue(svc.awaitModel(Duration.ofSeconds(60)), "v1 served");
      assertEquals(1, svc.modelVersion());

      Set<String> good = ConcurrentHashMap.newKeySet();
      Set<String> audioOnly = ConcurrentHashMap.newKeySet();
      Set<String> bad = ConcurrentHashMap.newKeySet();
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      Thread load =
          new Thread(
              () -> {
                int i = 0;
                while (sending.get()) {
                  String id = "s" + i;
                  String stream = "cam" + (i % 5);
                  int k = i % images.size();
                  if (i % 53 == 52) {
                    producer.send(
                        new ProducerRecord<>(
                            topics.infer().name(),
                            stream,
                            "not avro".getBytes(StandardCharsets.UTF_8)));
                    bad.add("garbage@" + i);
                  } else if (i % 41 == 40) {
                    ItSupport.sendInfer(producer, topics, ItSupport.sample(id, stream).build());
                    bad.add(id);
                  } else {
                    PairedSample.Builder b =
                        ItSupport.sample(id, stream).setLabel(DigitData.className(k));
                    switch (i % 3) {
                      case 0 ->
                          b.setVideo(ItSupport.tensor(Modality.VIDEO, images.get(k), cfg))
                              .setAudio(ItSupport.tensor(Modality.AUDIO, sounds.get(k), cfg));
                      case 1 -> {
                        b.setAudio(ItSupport.tensor(Modality.AUDIO, sounds.get(k), cfg));
                        audioOnly.add(id);
                      }
                      default -> b.setVideo(ItSupport.tensor(Modality.VIDEO, images.get(k), cfg));
                    }
                    ItSupport.sendInfer(producer, topics, b.build());
                    good.add(id);
                  }
                  sent.incrementAndGet();
                  i++;
                  try {
                    Thread.sleep(10);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "it-load");
      load.start();

      long switch2;
      long switch3;
      try {
        ItSupport.await("v1 predictions", Duration.ofSeconds(60), () -> hasVersion(predictions, 1));
        long t2 = System.currentTimeMillis();
        ItSupport.publish(producer, topics, s2);
        ItSupport.await("v2 predictions", SWITCH_BOUND, () -> hasVersion(predictions, 2));
        switch2 = System.currentTimeMillis() - t2;

        ItSupport.publish(producer, topics, corrupted);
        ItSupport.publish(producer, topics, unrestorable);
        ItSupport.publish(producer, topics, incompatible);
        ItSupport.await(
            "three rejections", Duration.ofSeconds(60), () -> svc.metrics().rejectedCount() >= 3);
        assertEquals(1, svc.metrics().rejectedCount("SHA256_MISMATCH"));
        assertEquals(1, svc.metrics().rejectedCount("RESTORE_FAILED"));
        assertEquals(1, svc.metrics().rejectedCount("INCOMPATIBLE_CONFIG"));
        assertEquals(2, svc.modelVersion(), "the old model keeps serving");
        int v2Before = countVersion(predictions, 2);
        ItSupport.await(
            "v2 still predicting after the rejections",
            Duration.ofSeconds(20),
            () -> countVersion(predictions, 2) > v2Before + 20);

        long t3 = System.currentTimeMillis();
        ItSupport.publish(producer, topics, s3);
        ItSupport.await("v3 predictions", SWITCH_BOUND, () -> hasVersion(predictions, 3));
        switch3 = System.currentTimeMillis() - t3;
        checkHttp(svc, cfg, sounds.get(3));

        Thread.sleep(500);
      } finally {
        sending.set(false);
        load.join();
      }
      producer.flush();
      ItSupport.await(
          "every good sample predicted",
          Duration.ofSeconds(60),
          () ->
              predictions.records.stream().map(r -> r.value().getSampleId()).distinct().count()
                  >= good.size());
      ItSupport.await(
          "every bad record dead-lettered",
          Duration.ofSeconds(30),
          () -> dlq.records.size() >= bad.size());
      Thread.sleep(1500); // anything duplicated would show up by now

      Map<String, Integer> counts =
          ItSupport.counts(predictions.values().stream().map(Prediction::getSampleId).toList());
      assertEquals(good, counts.keySet(), "every good input predicted, nothing else");
      counts.forEach((id, n) -> assertEquals(1, n, "sample " + id + " predicted " + n + " times"));
      assertEquals(bad.size(), dlq.records.size(), "each bad record dead-lettered once");
      assertTrue(dlq.values().stream().anyMatch(d -> d.getErrorMessage().contains("no modality")));

      Map<Integer, Long> lastVersion = new HashMap<>();
      for (ConsumerRecord<String, Prediction> r : predictions.records) {
        long v = r.value().getModelVersion();
        Long last = lastVersion.put(r.partition(), v);
        assertTrue(
            last == null || last <= v,
            "version went back in partition " + r.partition() + ": " + last + " -> " + v);
      }
      for (Prediction p : predictions.values()) {
        if (audioOnly.contains(p.getSampleId())) {
          assertEquals(List.of(io.streamalign.schemas.avro.Modality.AUDIO), p.getModalitiesUsed());
        }
        assertEquals(MODEL, p.getModelName());
        assertTrue(p.getLatencyMs() >= 0 && p.getPublishTimeMs() >= p.getEventTimeMs());
        assertTrue(p.getTopK().size() >= 1 && p.getTopK().size() <= 3);
        assertEquals(p.getTopK().get(0).getClassName(), p.getLabel());
        assertTrue(p.getTrueLabel() != null);
      }
      assertTrue(audioOnly.stream().anyMatch(counts::containsKey), "audio-only samples predicted");
      System.out.printf(
          "HotSwapIT: sent %d (%d good, %d bad); predictions %d; switch to v2 %d ms, v3 %d ms;"
              + " mean swap (verify+restore+re-enroll) %.1f ms, max %.1f ms; rejected %d%n",
          sent.get(),
          good.size(),
          bad.size(),
          predictions.records.size(),
          switch2,
          switch3,
          svc.metrics().meanSwapMs(),
          svc.metrics().maxSwapMs(),
          svc.metrics().rejectedCount());
      System.out.printf(
          "HotSwapIT: event-to-publish latency mean %.1f ms, max %.1f ms; predictBatch mean %.1f ms"
              + " for %.1f samples per micro-batch%n",
          svc.metrics().meanLatencyMs(),
          svc.metrics().maxLatencyMs(),
          svc.metrics().meanBatchPredictMs(),
          svc.metrics().meanBatchSize());
    }
  }

  private static boolean hasVersion(ItSupport.Collector<Prediction> c, long v) {
    for (ConsumerRecord<String, Prediction> r : c.records)
      if (r.value().getModelVersion() == v) return true;
    return false;
  }

  private static int countVersion(ItSupport.Collector<Prediction> c, long v) {
    int n = 0;
    for (ConsumerRecord<String, Prediction> r : c.records)
      if (r.value().getModelVersion() == v) n++;
    return n;
  }

  private static void checkHttp(ServingService svc, LearnerConfig cfg, float[] audio)
      throws Exception {
    int port = svc.httpPort().orElseThrow();
    HttpClient http = HttpClient.newHttpClient();
    ObjectMapper json = new ObjectMapper();
    String base = "http://127.0.0.1:" + port;

    HttpResponse<String> model =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/model")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, model.statusCode());
    JsonNode m = json.readTree(model.body());
    assertEquals(MODEL, m.get("modelName").asText());
    assertEquals(3, m.get("version").asLong());
    assertEquals(10, m.get("classes").size());

    String body =
        "{\"audio\": {\"shape\": ["
            + cfg.audioMelBands()
            + ","
            + cfg.audioFrames()
            + "], \"data\": \""
            + HttpApi.encode(audio)
            + "\"}}";
    HttpResponse<String> pred =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/predict"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, pred.statusCode(), pred.body());
    JsonNode p = json.readTree(pred.body());
    assertEquals("AUDIO", p.get("modalitiesUsed").get(0).asText());
    assertEquals(3, p.get("modelVersion").asLong());

    PairedSample avro =
        ItSupport.sample("http-avro", "http")
            .setAudio(ItSupport.tensor(Modality.AUDIO, audio, cfg))
            .build();
    HttpResponse<String> pa =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/predict"))
                .header("Content-Type", "application/avro")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        AvroSerde.of(PairedSample.class).encode(avro)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, pa.statusCode(), pa.body());
    assertEquals(
        p.get("label").asText(),
        json.readTree(pa.body()).get("label").asText(),
        "same input, same label");

    HttpResponse<String> badReq =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/predict"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, badReq.statusCode());

    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("streamalign_serving_model_version 3.0"), metrics.body());
    assertTrue(metrics.body().contains("streamalign_serving_snapshots_rejected_total"));
    assertTrue(metrics.body().contains("streamalign_serving_latency_seconds_bucket"));
    assertTrue(metrics.body().contains("streamalign_serving_swaps_total"));
  }
}
