package io.streamalign.serving.predict;

import io.streamalign.model.Modality;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code av.support} (key: className, value: Avro {@code SupportExample}) and enrolls each
 * example at once into the served model by prototype ({@link Enrollments#add}); bad records go to
 * {@code av.support.dlq} (Avro {@code DeadLetter}) with the reason.
 *
 * <p>Every instance must know every enrolled class, so this consumer has no group: it reads all
 * partitions from the start (read_committed), and a restarted instance re-learns the enrollments.
 */
public final class SupportConsumer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SupportConsumer.class);

  private final Properties clientProps;
  private final Topic<String, SupportExample> support;
  private final Topic<byte[], DeadLetter> dlq;
  private final Enrollments enrollments;
  private final ModelHolder holder;
  private final ServingMetrics metrics;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile boolean running;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  public SupportConsumer(
      Properties clientProps,
      Topic<String, SupportExample> support,
      Topic<byte[], DeadLetter> dlq,
      Enrollments enrollments,
      ModelHolder holder,
      ServingMetrics metrics) {
    this.clientProps = clientProps;
    this.support = support;
    this.dlq = dlq;
    this.enrollments = enrollments;
    this.holder = holder;
    this.metrics = metrics;
  }

  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    running = true;
    thread = new Thread(this::run, "serving-support");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits until the support examples present at start have been read. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Consumes; a retriable client error (broker slow, paused, restarting) starts over after a
   * second.
   */
  private void run() {
    while (running) {
      try {
        consume();
        return;
      } catch (RetriableException e) {
        LOG.warn("support consumer: {}; starting over in 1 s", e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void consume() {
    boolean retry = false;
    Properties cp = new Properties();
    cp.putAll(clientProps);
    cp.remove(ConsumerConfig.GROUP_ID_CONFIG);
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Properties pp = new Properties();
    pp.putAll(clientProps);
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaConsumer<byte[], byte[]> c =
            new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> p =
            new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer = c;
      if (!running) return;
      List<TopicPartition> partitions = new ArrayList<>();
      while (running && partitions.isEmpty()) {
        List<PartitionInfo> infos = c.partitionsFor(support.name(), Duration.ofSeconds(10));
        if (infos != null)
          infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        if (partitions.isEmpty()) {
          LOG.warn("topic {} not found yet; retrying", support.name());
          Thread.sleep(1000);
        }
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
          handle(r, p);
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
          LOG.info("support examples caught up: {} classes kept", enrollments.classCount());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) LOG.error("support consumer woken up while running", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RetriableException e) {
      retry = running;
      if (retry) throw e;
    } catch (RuntimeException e) {
      LOG.error("support consumer stopped by an unexpected error", e);
    } finally {
      consumer = null;
      if (!retry) caughtUp.countDown();
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> r, KafkaProducer<byte[], byte[]> p) {
    try {
      if (r.value() == null) throw new IllegalArgumentException("null value");
      SupportExample ex = support.valueSerde().deserializer().deserialize(r.topic(), r.value());
      if (ex.getClassName() == null || ex.getClassName().isBlank()) {
        throw new IllegalArgumentException(
            "support example " + ex.getExampleId() + " has no class name");
      }
      Modality m = io.streamalign.records.Modalities.toModel(ex.getModality());
      float[] x = FeatureTensors.toFloats(ex.getFeatures());
      for (int i = 0; i < x.length; i++) {
        if (!Float.isFinite(x[i]))
          throw new IllegalArgumentException(m + " value " + i + " is not finite");
      }
      enrollments.add(ex.getClassName(), m, x, holder);
      metrics.enrollment();
      LOG.debug("enrolled {} ({}) from {}", ex.getClassName(), m, ex.getExampleId());
    } catch (RuntimeException e) {
      metrics.deadLetter(dlq.name());
      LOG.warn(
          "{}-{}@{} -> {}: {}", r.topic(), r.partition(), r.offset(), dlq.name(), e.getMessage());
      DeadLetter letter = DeadLetters.of(r, e, "serving.enroll");
      p.send(
          new ProducerRecord<>(
              dlq.name(), r.key(), dlq.valueSerde().serializer().serialize(dlq.name(), letter)));
    }
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
