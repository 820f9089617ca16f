package io.streamalign.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The broker's own exactly-once round trip: Kafka's consume-transform-produce pattern
 * (KIP-98/KIP-447) with the identity as transform and the serving loop's micro-batching. A {@code
 * read_committed} consumer in its own group; per micro-batch (at {@code batchSize} records or
 * {@code maxWait} after the first), one transaction that copies the records to the output topic and
 * adds their offsets ({@code sendOffsetsToTransaction}). It is the serving loop without decoding,
 * the model and encoding: the like-for-like baseline of serving's latency. Its producer settings
 * are the serving loop's ({@code acks=all}, idempotence, the same {@code linger.ms} and {@code
 * retry.backoff.ms}).
 */
final class EosRelay implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Thread thread;
  private final CountDownLatch assigned = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile Throwable failure;
  private final java.util.concurrent.atomic.AtomicLong copied =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param producerOverrides producer settings on top of the defaults above (e.g. the serving
   *     loop's)
   */
  EosRelay(
      Properties client,
      String in,
      String out,
      String id,
      Map<String, String> producerOverrides,
      int batchSize,
      Duration maxWait) {
    long maxWaitMs = maxWait.toMillis();
    Properties c = new Properties();
    c.putAll(client);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-relay-" + id);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(batchSize));
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-relay-" + id);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.putAll(producerOverrides);
    consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    producer.initTransactions();
    consumer.subscribe(
        List.of(in),
        new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) assigned.countDown();
          }
        });
    thread =
        new Thread(
            () -> {
              java.util.List<ConsumerRecord<byte[], byte[]>> pending = new java.util.ArrayList<>();
              long since = 0;
              try {
                while (running) {
                  // the serving loop's micro-batching: flush at batchSize records or maxWait after
                  // the first
                  long wait =
                      pending.isEmpty()
                          ? 200
                          : Math.max(0, since + maxWaitMs - System.currentTimeMillis());
                  for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(wait))) {
                    if (pending.isEmpty()) since = System.currentTimeMillis();
                    pending.add(r);
                  }
                  if (pending.isEmpty()
                      || (pending.size() < batchSize
                          && System.currentTimeMillis() - since < maxWaitMs)) {
                    continue;
                  }
                  Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                  producer.beginTransaction();
                  for (ConsumerRecord<byte[], byte[]> r : pending) {
                    producer.send(new ProducerRecord<>(out, r.key(), r.value()));
                    offsets.merge(
                        new TopicPartition(r.topic(), r.partition()),
                        new OffsetAndMetadata(r.offset() + 1),
                        (a, b) -> a.offset() >= b.offset() ? a : b);
                  }
                  producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                  producer.commitTransaction();
                  copied.addAndGet(pending.size());
                  pending.clear();
                }
              } catch (WakeupException e) {
                // closing
              } catch (Throwable e) {
                failure = e;
              }
            },
            "bench-eos-relay-" + id);
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits until the relay's consumer has partitions (positioned at the end). */
  void awaitAssigned(Duration timeout) throws InterruptedException {
    if (!assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
      throw new IllegalStateException("relay never assigned");
    Thread.sleep(300);
  }

  /** Records copied and committed so far. */
  long copied() {
    return copied.get();
  }

  /** The error that stopped the relay, if any. */
  Throwable failure() {
    return failure;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
    consumer.close(Duration.ofSeconds(5));
    producer.close(Duration.ofSeconds(5));
  }
}
