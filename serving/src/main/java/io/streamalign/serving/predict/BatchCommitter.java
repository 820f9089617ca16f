package io.streamalign.serving.predict;

import io.streamalign.serving.metrics.ServingMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The produce half of the prediction pipeline: commits predicted micro-batches in Kafka
 * transactions, on its own thread, while the {@link PredictionLoop} thread polls and predicts the
 * next ones.
 *
 * <p>Each transaction holds the outputs of one or more whole micro-batches (predictions, mirrors,
 * dead letters) and their consumed offsets ({@code sendOffsetsToTransaction} with the consumer's
 * group metadata taken when the batch was polled, so KIP-447 fences a batch of an older
 * generation). The batches waiting when a transaction starts all go into it: under load, one
 * transaction carries more batches and the per-transaction cost of the broker is shared (the batch
 * size of the transactions adapts to the load, as the loop's prediction batches do). Batches are
 * committed in the order they were submitted, so the predictions of a partition are published in
 * its order.
 *
 * <p>When a transaction fails it is aborted (or its producer replaced) and the committer enters the
 * failed state: the batches queued behind it are discarded unsent, and the loop, once the committer
 * is {@link #idle()}, takes the offsets to re-read from ({@link #takeRewind()}) and seeks there.
 * Nothing of an aborted batch is visible to read_committed readers. A fenced producer (another
 * instance took over the transactional id) is fatal ({@link #fatal()}).
 */
final class BatchCommitter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BatchCommitter.class);

  /** A predicted micro-batch: what to publish, and the offsets it consumed. */
  record Batch(
      List<ProducerRecord<byte[], byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets,
      Map<TopicPartition, Long> firstOffsets,
      ConsumerGroupMetadata group,
      int predictions,
      int deadLetters,
      List<Long> latenciesMs) {}

  /** Thrown on the loop thread when the committer died by the fault-injection hook. */
  static final class SimulatedCrash extends Error {
    SimulatedCrash() {
      super("simulated crash between send and commit", null, false, false);
    }
  }

  private final String transactionalId;
  private final Supplier<KafkaProducer<byte[], byte[]>> newProducer;
  private final ServingMetrics metrics;
  private final Runnable onCommit;
  private final Thread thread;

  private final Object lock = new Object();
  private final ArrayDeque<Batch> queue = new ArrayDeque<>();

  /**
   * Batches submitted and not yet committed or discarded (queued plus the transaction going on).
   */
  private int inFlight;

  private boolean failed;
  private final Map<TopicPartition, Long> rewind = new HashMap<>();
  private RuntimeException fatal;
  private boolean stopping;
  private volatile boolean crashBeforeNextCommit;
  private boolean crashed;
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaProducer<byte[], byte[]> abandoned;

  /**
   * @param producer the transactional producer, already initialized ({@code initTransactions})
   * @param newProducer makes a replacement when a producer cannot continue
   * @param onCommit called after each committed transaction
   */
  BatchCommitter(
      String transactionalId,
      KafkaProducer<byte[], byte[]> producer,
      Supplier<KafkaProducer<byte[], byte[]>> newProducer,
      ServingMetrics metrics,
      Runnable onCommit) {
    this.transactionalId = transactionalId;
    this.producer = producer;
    this.newProducer = newProducer;
    this.metrics = metrics;
    this.onCommit = onCommit;
    this.thread = new Thread(this::run, "serving-commit-" + transactionalId);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Queues a batch for the next transaction; refused once the committer stopped (with the error
   * that stopped it).
   */
  void submit(Batch batch) {
    synchronized (lock) {
      if (fatal != null) throw fatal;
      if (crashed) throw new SimulatedCrash();
      if (stopping) throw new IllegalStateException("committer of " + transactionalId + " stopped");
      queue.addLast(batch);
      inFlight++;
      lock.notifyAll();
    }
  }

  /** True when every submitted batch is committed or discarded. */
  boolean idle() {
    synchronized (lock) {
      return inFlight == 0;
    }
  }

  /** Batches submitted and not yet committed or discarded. */
  int inFlight() {
    synchronized (lock) {
      return inFlight;
    }
  }

  /**
   * Waits at most {@code timeoutMs} until fewer than {@code n} batches are in flight (or the
   * committer stopped).
   */
  void awaitInFlightBelow(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    synchronized (lock) {
      while (inFlight >= n && fatal == null && !crashed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return;
        lock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** True after a transaction failed, until {@link #takeRewind()}. */
  boolean failed() {
    synchronized (lock) {
      return failed;
    }
  }

  /** The error that stopped the committer (fenced producer, authorization), or null. */
  RuntimeException fatal() {
    synchronized (lock) {
      return fatal;
    }
  }

  /** True once the committer died by the fault-injection hook. */
  boolean crashed() {
    synchronized (lock) {
      return crashed;
    }
  }

  /**
   * Waits until every submitted batch is committed or discarded (or the committer stopped); false
   * on timeout.
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (inFlight > 0 && fatal == null && !crashed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        lock.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  /**
   * After a failure, once idle: the first offset of each partition that must be read again (of the
   * failed batch and of those discarded behind it), and back to normal. Empty when nothing failed.
   */
  Map<TopicPartition, Long> takeRewind() {
    synchronized (lock) {
      if (inFlight > 0) throw new IllegalStateException("batches still in flight");
      Map<TopicPartition, Long> out = new HashMap<>(rewind);
      rewind.clear();
      failed = false;
      return out;
    }
  }

  /** Fault injection: the next transaction is sent but not committed, and the committer dies. */
  void crashBeforeNextCommit() {
    crashBeforeNextCommit = true;
  }

  /** The producer left open by a simulated crash (a successor fences it), or null. */
  KafkaProducer<byte[], byte[]> abandoned() {
    synchronized (lock) {
      return abandoned;
    }
  }

  private void run() {
    try {
      while (true) {
        List<Batch> batches = new ArrayList<>();
        synchronized (lock) {
          while (queue.isEmpty() && !stopping) lock.wait();
          if (queue.isEmpty()) return; // stopping, nothing left
          if (failed) {
            // behind a failed transaction: not sent, re-read from the rewind offsets
            while (!queue.isEmpty()) discard(queue.pollFirst());
            lock.notifyAll();
            continue;
          }
          while (!queue.isEmpty()) batches.add(queue.pollFirst());
        }
        boolean ok = commit(batches);
        synchronized (lock) {
          if (!ok && fatal == null && !crashed) {
            failed = true;
            for (Batch b : batches) rewindTo(b);
          }
          inFlight -= batches.size();
          lock.notifyAll();
          if (fatal != null || crashed) {
            while (!queue.isEmpty()) discard(queue.pollFirst());
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void discard(Batch b) {
    rewindTo(b);
    inFlight--;
  }

  private void rewindTo(Batch b) {
    b.firstOffsets().forEach((tp, off) -> rewind.merge(tp, off, Math::min));
  }

  /** One transaction with every record and offset of {@code batches}; true when committed. */
  private boolean commit(List<Batch> batches) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    int records = 0;
    for (Batch b : batches) {
      b.offsets()
          .forEach((tp, o) -> offsets.merge(tp, o, (x, y) -> x.offset() >= y.offset() ? x : y));
      records += b.records().size();
    }
    // the newest group metadata: a batch polled before a rebalance that kept its partitions is
    // still ours
    ConsumerGroupMetadata group = batches.get(batches.size() - 1).group();
    try {
      producer.beginTransaction();
      for (Batch b : batches) {
        for (ProducerRecord<byte[], byte[]> r : b.records()) producer.send(r);
      }
      producer.sendOffsetsToTransaction(offsets, group);
      if (crashBeforeNextCommit) {
        producer.flush(); // the outputs reach the broker, uncommitted
        LOG.warn("committer {}: simulated crash between send and commit", transactionalId);
        synchronized (lock) {
          crashed = true;
          abandoned = producer;
          producer = null;
        }
        return false;
      }
      producer.commitTransaction();
    } catch (ProducerFencedException | UnsupportedVersionException | AuthorizationException e) {
      // fenced: a newer instance with the same transactional.id took over (this one is a zombie, or
      // two replicas share serving.instance.id); re-initializing would fence it in turn, so stop.
      LOG.error(
          "producer {} cannot continue ({}); the prediction loop stops",
          transactionalId,
          e.toString());
      metrics.aborted();
      synchronized (lock) {
        fatal = e;
      }
      return false;
    } catch (InvalidProducerEpochException | OutOfOrderSequenceException e) {
      LOG.warn(
          "producer {} cannot continue ({}); replacing it and re-reading the batch",
          transactionalId,
          e.toString());
      metrics.aborted();
      producer.close(Duration.ZERO);
      replaceProducer();
      return false;
    } catch (KafkaException e) {
      LOG.warn("transaction of {} records aborted ({}); re-reading them", records, e.toString());
      metrics.aborted();
      try {
        producer.abortTransaction();
      } catch (KafkaException abortError) {
        LOG.warn("abort failed ({}); replacing the producer", abortError.toString());
        producer.close(Duration.ZERO);
        replaceProducer();
      }
      return false;
    }
    onCommit.run();
    for (Batch b : batches) {
      metrics.kafkaPredictions(b.predictions());
      for (long l : b.latenciesMs()) metrics.latencyMs(l);
    }
    return true;
  }

  private void replaceProducer() {
    producer = null;
    try {
      producer = newProducer.get();
    } catch (RuntimeException e) {
      LOG.error(
          "cannot replace producer {} ({}); the prediction loop stops",
          transactionalId,
          e.toString());
      synchronized (lock) {
        fatal = e;
      }
    }
  }

  /**
   * Commits what is queued (waiting at most {@code timeout}), stops the thread and closes the
   * producer; after a simulated crash the producer stays open (see {@link #abandoned()}).
   */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  void close(Duration timeout) {
    try {
      awaitIdle(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      stopping = true;
      lock.notifyAll();
    }
    try {
      thread.join(timeout.toMillis() + 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    KafkaProducer<byte[], byte[]> p;
    synchronized (lock) {
      p = producer;
      producer = null;
    }
    if (p != null && !thread.isAlive()) p.close(Duration.ofSeconds(10));
    else if (p != null) p.close(Duration.ZERO);
  }
}
