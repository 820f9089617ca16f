package io.streamalign.serving.it;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.OnlineLearner;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producers, consumers and record builders shared by the serving ITs. */
final class ItSupport {

  private ItSupport() {}

  static KafkaSettings settings(EmbeddedKafkaBroker broker, Topics topics) {
    return KafkaSettings.builder()
        .setBootstrapServers(broker.bootstrapServers())
        .optTopicPrefix(topics.prefix())
        .build();
  }

  static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker, Topics topics) {
    Properties p = broker.clientProperties();
    p.putAll(Topics.producerConfigsFor(topics.snapshots()));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A ModelSnapshot record for learner bytes, with their true sha256 unless {@code sha} is given.
   */
  static ModelSnapshot snapshot(
      String modelName,
      long version,
      OnlineLearner learner,
      byte[] params,
      String sha,
      LearnerConfig cfg) {
    return ModelSnapshot.newBuilder()
        .setModelName(modelName)
        .setVersion(version)
        .setFormatVersion(1)
        .setCreatedAtMs(System.currentTimeMillis())
        .setConfigJson(cfg.toJson())
        .setParameters(ByteBuffer.wrap(params))
        .setSha256(sha == null ? io.streamalign.records.SnapshotCodec.sha256Hex(params) : sha)
        .setClasses(learner.classes())
        .setModalities(
            List.of(
                io.streamalign.schemas.avro.Modality.VIDEO,
                io.streamalign.schemas.avro.Modality.AUDIO,
                io.streamalign.schemas.avro.Modality.TEXT))
        .setPromoted(true)
        .setSamplesSeen(learner.samplesSeen())
        .setLearnerClass(learner.getClass().getName())
        .setBuildVersion("it")
        .build();
  }

  static void publish(KafkaProducer<String, byte[]> producer, Topics topics, ModelSnapshot s)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topics.snapshots().name(),
                s.getModelName(),
                topics
                    .snapshots()
                    .valueSerde()
                    .serializer()
                    .serialize(topics.snapshots().name(), s)))
        .get();
  }

  static FeatureTensor tensor(Modality m, float[] x, LearnerConfig cfg) {
    return switch (m) {
      case VIDEO -> FeatureTensors.of(x, cfg.videoChannels(), cfg.videoHeight(), cfg.videoWidth());
      case AUDIO -> FeatureTensors.of(x, cfg.audioMelBands(), cfg.audioFrames());
      case TEXT -> FeatureTensors.of(x, cfg.textVocab());
    };
  }

  static void sendInfer(KafkaProducer<String, byte[]> producer, Topics topics, PairedSample p) {
    producer.send(
        new ProducerRecord<>(
            topics.infer().name(),
            p.getStreamId(),
            topics.infer().valueSerde().serializer().serialize(topics.infer().name(), p)));
  }

  static PairedSample.Builder sample(String id, String stream) {
    return PairedSample.newBuilder()
        .setSampleId(id)
        .setStreamId(stream)
        .setEventTimeMs(System.currentTimeMillis());
  }

  /** Collects every committed record of a topic on a background thread. */
  static final class Collector<V> implements AutoCloseable {
    final List<ConsumerRecord<String, V>> records = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Collector(
        EmbeddedKafkaBroker broker,
        String topic,
        org.apache.kafka.common.serialization.Deserializer<V> values) {
      Properties p = broker.clientProperties();
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-collector-" + topic + "-" + System.nanoTime());
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(topic));
      thread =
          new Thread(
              () -> {
                try {
                  while (running) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                      records.add(
                          new ConsumerRecord<>(
                              r.topic(),
                              r.partition(),
                              r.offset(),
                              r.key(),
                              values.deserialize(r.topic(), r.value())));
                    }
                  }
                } catch (org.apache.kafka.common.errors.WakeupException ignored) {
                  // closing
                } finally {
                  consumer.close();
                }
              },
              "it-collector-" + topic);
      thread.setDaemon(true);
      thread.start();
    }

    List<V> values() {
      List<V> out = new ArrayList<>();
      for (ConsumerRecord<String, V> r : records) out.add(r.value());
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(10_000);
    }
  }

  static Collector<Prediction> predictions(EmbeddedKafkaBroker broker, Topics topics) {
    return new Collector<>(
        broker, topics.predictions().name(), topics.predictions().valueSerde().deserializer());
  }

  static Collector<DeadLetter> deadLetters(EmbeddedKafkaBroker broker, Topics topics) {
    String dlq = topics.deadLetters(topics.infer()).name();
    return new Collector<>(
        broker, dlq, topics.deadLetters(topics.infer()).valueSerde().deserializer());
  }

  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      Thread.sleep(50);
    }
  }

  /** Occurrences of each key. */
  static <K> Map<K, Integer> counts(List<K> keys) {
    Map<K, Integer> m = new java.util.HashMap<>();
    for (K k : keys) m.merge(k, 1, Integer::sum);
    return m;
  }
}
