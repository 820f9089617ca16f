package io.streamalign.bench;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.OnlineLearner;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.ModelSnapshot;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** An embedded broker with the StreamAlign topics, and the clients the scenarios share. */
final class BenchKafka implements AutoCloseable {

  final EmbeddedKafkaBroker broker;
  final Topics topics = Topics.defaults();

  BenchKafka(int partitions) throws Exception {
    this.broker = EmbeddedKafkaBroker.start();
    broker.createTopics(topics, partitions); // waits until every partition has a leader
  }

  KafkaSettings settings() {
    return settings(Map.of());
  }

  /** Settings with extra client properties passed to every client of a service. */
  KafkaSettings settings(Map<String, String> client) {
    KafkaSettings.Builder b =
        KafkaSettings.builder()
            .setBootstrapServers(broker.bootstrapServers())
            .optTopicPrefix(topics.prefix());
    client.forEach(b::optClientProperty);
    return b.build();
  }

  /** Creates a plain topic (baselines), with room for snapshot-sized records. */
  void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = broker.admin()) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(name, partitions, (short) 1)
                      .configs(
                          Map.of(
                              "max.message.bytes",
                              Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES)))))
          .all()
          .get();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          var d = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
          if (d.partitions().stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()))
            break;
        } catch (java.util.concurrent.ExecutionException e) {
          // not visible yet
        }
        if (System.nanoTime() > deadline)
          throw new IllegalStateException("topic " + name + " has no leader");
        Thread.sleep(100);
      }
    }
  }

  /** A byte producer (acks=all, linger 0) able to send snapshot-sized records. */
  KafkaProducer<String, byte[]> producer() {
    Properties p = broker.clientProperties();
    p.putAll(Topics.producerConfigsFor(topics.snapshots()));
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A consumer thread calling {@code onRecord(record, receiveNanos)} for each record of a topic.
   */
  Tail tail(
      String topic,
      boolean readCommitted,
      BiConsumer<ConsumerRecord<String, byte[]>, Long> onRecord) {
    return new Tail(broker, topic, readCommitted, onRecord);
  }

  static final class Tail implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;

    Tail(
        EmbeddedKafkaBroker broker,
        String topic,
        boolean readCommitted,
        BiConsumer<ConsumerRecord<String, byte[]>, Long> onRecord) {
      Properties p = broker.clientProperties();
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-tail-" + topic + "-" + System.nanoTime());
      p.put(
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          readCommitted ? "read_committed" : "read_uncommitted");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
      p.put(
          ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
          Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + 1024 * 1024));
      p.put(
          ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
          Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + 1024 * 1024));
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(topic));
      thread =
          new Thread(
              () -> {
                try {
                  while (running) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    if (!consumer.assignment().isEmpty()) assigned = true;
                    long now = System.nanoTime();
                    for (ConsumerRecord<String, byte[]> r : records) onRecord.accept(r, now);
                  }
                } catch (WakeupException ignored) {
                  // closing
                } finally {
                  consumer.close();
                }
              },
              "bench-tail-" + topic);
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits until partitions are assigned and positioned (so "latest" is fixed). */
    void awaitAssigned(Duration timeout) throws InterruptedException {
      await("consumer assignment", timeout, () -> assigned);
      Thread.sleep(200);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(10_000);
    }
  }

  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      Thread.sleep(5);
    }
  }

  /** A ModelSnapshot record of learner snapshot bytes (promoted). */
  static ModelSnapshot snapshot(
      String modelName, long version, OnlineLearner learner, byte[] params, LearnerConfig cfg) {
    return io.streamalign.records.SnapshotCodec.unsigned()
        .seal(
            ModelSnapshot.newBuilder()
                .setModelName(modelName)
                .setVersion(version)
                .setFormatVersion(1)
                .setCreatedAtMs(System.currentTimeMillis())
                .setConfigJson(cfg.toJson())
                .setParameters(ByteBuffer.wrap(params))
                .setSha256("")
                .setClasses(learner.classes())
                .setModalities(List.of(Modality.VIDEO, Modality.AUDIO))
                .setPromoted(true)
                .setSamplesSeen(learner.samplesSeen())
                .setLearnerClass(learner.getClass().getName())
                .setBuildVersion("bench"));
  }

  @Override
  public void close() {
    broker.close();
  }
}
