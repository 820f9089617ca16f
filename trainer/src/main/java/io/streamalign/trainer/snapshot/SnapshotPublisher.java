package io.streamalign.trainer.snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's transactional producer: one Kafka transaction per snapshot, holding the dead
 * letters since the last one, the snapshot, its metrics record and the consumer offsets ({@code
 * sendOffsetsToTransaction}) of exactly what the snapshot's model learned. All of it commits, or
 * none.
 *
 * <p>A transaction is open only while {@link #commit} runs (dead letters wait in memory until
 * then), so a trainer killed between snapshots leaves no open transaction that would hold back
 * {@code read_committed} readers, and {@code transaction.timeout.ms} can be short.
 *
 * <p>On any error but fencing, the transaction is aborted; if even that fails the producer is
 * closed and a new one is made on the next use ({@code initTransactions} with the same {@code
 * transactional.id} aborts whatever the old one left open). {@link #commit} then throws {@link
 * TransactionFailedException} and the caller rolls the learner back. Fencing (a newer trainer with
 * the same {@code transactional.id}) is rethrown as it is: the caller must stop.
 */
public final class SnapshotPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final Properties producerProperties;
  private final String transactionalId;
  private final List<ProducerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
  private KafkaProducer<byte[], byte[]> producer;

  public SnapshotPublisher(Properties producerProperties, String transactionalId) {
    this.producerProperties = producerProperties;
    this.transactionalId = transactionalId;
  }

  /** A commit failed and was aborted (or its producer replaced); nothing of it is visible. */
  public static final class TransactionFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    public TransactionFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Makes the producer if there is none and runs {@code initTransactions()}: it fences any older
   * producer with this transactional id and aborts its open transaction. Throws if the broker
   * cannot be reached in {@code max.block.ms}.
   */
  public void ensureReady() {
    if (producer != null) return;
    KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
    try {
      p.initTransactions();
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
    producer = p;
  }

  /** Queues a dead letter for the next transaction. */
  public void deadLetter(ProducerRecord<byte[], byte[]> record) {
    deadLetters.add(record);
  }

  /** Dead letters waiting for the next transaction. */
  public int pendingDeadLetters() {
    return deadLetters.size();
  }

  /** Drops the queued dead letters (their records will be read, and dead-lettered, again). */
  public void discardDeadLetters() {
    deadLetters.clear();
  }

  /**
   * Commits the queued dead letters, {@code records} and {@code offsets} in one transaction.
   *
   * @throws TransactionFailedException when it did not commit (nothing of it is visible)
   * @throws KafkaException when this producer was fenced (see {@link #isFenced})
   */
  public void commit(
      List<ProducerRecord<byte[], byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets,
      ConsumerGroupMetadata group)
      throws TransactionFailedException {
    try {
      ensureReady();
    } catch (RuntimeException e) {
      if (isFenced(e)) throw e;
      throw new TransactionFailedException(
          "cannot initialize the transactional producer " + transactionalId, e);
    }
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> r : deadLetters) producer.send(r);
      for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
      if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group);
      producer.commitTransaction();
      deadLetters.clear();
    } catch (
        RuntimeException e) { // KafkaException, or IllegalStateException after a timed-out commit
      if (isFenced(e)) throw e;
      abort(e);
      throw new TransactionFailedException(
          "transaction of " + transactionalId + " failed: " + e, e);
    }
  }

  private void abort(RuntimeException cause) {
    LOG.warn("Transaction of {} failed ({}); aborting it", transactionalId, cause.toString());
    try {
      producer.abortTransaction();
    } catch (RuntimeException abort) {
      if (isFenced(abort)) throw abort;
      LOG.warn(
          "Cannot abort the transaction of {} ({}); replacing the producer (initTransactions on the same "
              + "transactional.id aborts it)",
          transactionalId,
          abort.toString());
      producer.close(Duration.ZERO);
      producer = null;
    }
  }

  /**
   * True when {@code t} says a newer instance took over: the producer was fenced by another with
   * the same {@code transactional.id}, or the consumer by another with the same {@code
   * group.instance.id}.
   */
  public static boolean isFenced(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ProducerFencedException || c instanceof FencedInstanceIdException)
        return true;
      if (c.getCause() == c) break;
    }
    return false;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /** Closes the producer; an open transaction is left to the next producer's initTransactions. */
  public void close(Duration timeout) {
    if (producer == null) return;
    try {
      producer.close(timeout);
    } catch (RuntimeException e) {
      LOG.debug("producer close: {}", e.toString());
    }
    producer = null;
  }
}
