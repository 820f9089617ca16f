package io.streamalign.serving.predict;

import io.streamalign.model.Inference;
import io.streamalign.model.Sample;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.ServedModel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once prediction loop: a consume-transform-produce loop over {@code av.infer} (key:
 * streamId, value: Avro {@code PairedSample}) writing {@code av.predictions} (key: streamId, value:
 * Avro {@code Prediction}) and {@code av.infer.dlq} (key: original key, value: Avro {@code
 * DeadLetter}).
 *
 * <p>Why plain clients rather than Kafka Streams: the loop needs its own micro-batching (one {@code
 * predictBatch} per batch, with a size and a maximum wait) and must pin one model version per batch
 * while a hot swap goes on beside it; a hand-written loop keeps both explicit. Exactly-once is
 * Kafka's transactional pattern (KIP-98, KIP-447): a {@code read_committed} consumer in the group
 * {@code applicationId}, and a transactional producer that begins a transaction, sends the
 * predictions and dead letters, adds the consumed offsets with {@code
 * sendOffsetsToTransaction(offsets, consumer.groupMetadata())} and commits. Either all of a batch's
 * outputs and its offsets are committed or none are, and the group-generation check of KIP-447
 * fences a zombie that lost its partitions in a rebalance, so a restart or rebalance publishes no
 * duplicate prediction (consumers of {@code av.predictions} must read committed).
 *
 * <p>Pipelined: this thread polls, decodes and predicts; a {@link BatchCommitter} thread commits
 * the predicted batches, so the next batch is predicted while the previous transaction commits.
 * Batches adapt to the load: pending records are predicted at once while the committer is idle (a
 * lone event at a low rate waits for nothing), else when the batch is full or its first record has
 * waited {@code maxWait}; the committer puts every batch waiting for it into its next transaction.
 * The committer is the loop's only producer and commits in the order of the batches.
 *
 * <p>When the group rebalances, records already polled from a revoked partition are predicted and
 * committed inside {@code onPartitionsRevoked} (the callback waits for the committer), while this
 * instance still owns them. When a transaction fails it is aborted, the batches queued behind it
 * are discarded unsent, and the consumer is rewound to the first offsets of every batch not
 * committed; a producer that cannot continue is replaced, a fenced one stops the loop. Bad records
 * (undecodable, no modality, wrong size, non-finite, or a sample the learner refuses) go to the
 * dead-letter topic with the reason; the loop never dies on bad input.
 *
 * <p>Instances with the same {@code applicationId} split the partitions of {@code av.infer}.
 */
public final class PredictionLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PredictionLoop.class);

  /** The transactional producer's first retry backoff, ms, unless the client settings give one. */
  public static final int RETRY_BACKOFF_MS = 10;

  /**
   * Poll timeout, ms, while records wait for a busy committer (how soon an idle one is noticed).
   */
  private static final long BUSY_POLL_MS = 2;

  /** Predicted batches that may wait for the committer before the loop stops polling. */
  private static final int MAX_BATCHES_IN_FLIGHT = 8;

  private final Properties clientProps;
  private final String groupId;
  private final String transactionalId;
  private final Topic<String, PairedSample> infer;
  private final Topic<String, Prediction> predictions;
  private final Topic<String, String> jsonMirror;
  private final Topic<byte[], DeadLetter> dlq;
  private final ModelHolder holder;
  private final ServingMetrics metrics;
  private final int batchSize;
  private final long maxWaitMs;
  private final int topK;
  private final Deserializer<PairedSample> sampleDeserializer;
  private final Serializer<String> keySerializer;
  private final Serializer<Prediction> predictionSerializer;
  private final Serializer<DeadLetter> deadLetterSerializer;

  private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
  private long pendingSinceMs;
  private final CountDownLatch assigned = new CountDownLatch(1);
  private volatile boolean running;
  private final java.util.Set<TopicPartition> assignment =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile long lastProgressNanos = System.nanoTime();
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile BatchCommitter committer;
  private Thread thread;
  private volatile Throwable failure;
  private volatile boolean crashBeforeNextCommit;
  private volatile KafkaProducer<byte[], byte[]> abandoned;

  /**
   * @param clientProps base client properties (bootstrap servers, security)
   * @param groupId consumer group (instances with the same id share partitions)
   * @param transactionalId this instance's transactional.id (unique among live instances)
   */
  public PredictionLoop(
      Properties clientProps,
      String groupId,
      String transactionalId,
      Topic<String, PairedSample> infer,
      Topic<String, Prediction> predictions,
      Topic<byte[], DeadLetter> dlq,
      ModelHolder holder,
      ServingMetrics metrics,
      int batchSize,
      Duration maxWait,
      int topK) {
    this(
        clientProps,
        groupId,
        transactionalId,
        infer,
        predictions,
        dlq,
        holder,
        metrics,
        batchSize,
        maxWait,
        topK,
        null);
  }

  /**
   * As above, also publishing every prediction as JSON ({@link PredictionJson}) to {@code
   * jsonMirror} (null = no mirror), in the same transaction as the Avro prediction.
   */
  public PredictionLoop(
      Properties clientProps,
      String groupId,
      String transactionalId,
      Topic<String, PairedSample> infer,
      Topic<String, Prediction> predictions,
      Topic<byte[], DeadLetter> dlq,
      ModelHolder holder,
      ServingMetrics metrics,
      int batchSize,
      Duration maxWait,
      int topK,
      Topic<String, String> jsonMirror) {
    this.jsonMirror = jsonMirror;
    this.clientProps = clientProps;
    this.groupId = groupId;
    this.transactionalId = transactionalId;
    this.infer = infer;
    this.predictions = predictions;
    this.dlq = dlq;
    this.holder = holder;
    this.metrics = metrics;
    this.batchSize = batchSize;
    this.maxWaitMs = maxWait.toMillis();
    this.topK = topK;
    this.sampleDeserializer = infer.valueSerde().deserializer();
    this.keySerializer = predictions.keySerde().serializer();
    this.predictionSerializer = predictions.valueSerde().serializer();
    this.deadLetterSerializer = dlq.valueSerde().serializer();
  }

  /** Starts the loop thread; it waits for the first model before joining the group. */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    running = true;
    thread = new Thread(this::run, "serving-predict-" + transactionalId);
    thread.setDaemon(true);
    thread.start();
  }

  /** True while the loop thread runs. */
  public boolean isRunning() {
    Thread t = thread;
    return running && t != null && t.isAlive();
  }

  /** The error that stopped the loop, if any. */
  public Throwable failure() {
    return failure;
  }

  /** The input partitions assigned now (for {@code /health}). */
  public java.util.Set<TopicPartition> assignment() {
    return java.util.Set.copyOf(assignment);
  }

  /** {@link System#nanoTime} of the last committed micro-batch (or the start). */
  public long lastProgressNanos() {
    return lastProgressNanos;
  }

  /** Waits until the consumer got its first partition assignment. */
  public boolean awaitAssigned(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void run() {
    try {
      // the producer first: initTransactions fences a killed predecessor's open transaction (same
      // transactional.id) while the model loads, instead of after (README.md, "Recovery after a
      // crash")
      BatchCommitter commits =
          new BatchCommitter(
              transactionalId,
              newProducer(),
              this::newProducer,
              metrics,
              () -> lastProgressNanos = System.nanoTime());
      committer = commits;
      if (crashBeforeNextCommit) commits.crashBeforeNextCommit();
      while (running && holder.version() < 0) {
        Thread.sleep(50);
      }
      if (!running) {
        commits.close();
        return;
      }
      try (KafkaConsumer<byte[], byte[]> c = newConsumer()) {
        consumer = c;
        c.subscribe(List.of(infer.name()), new Rebalance());
        try {
          while (running) {
            checkCommitter();
            // back-pressure: the model is ahead of the broker; wait instead of piling up outputs
            if (commits.inFlight() >= MAX_BATCHES_IN_FLIGHT) {
              commits.awaitInFlightBelow(MAX_BATCHES_IN_FLIGHT, 200);
              continue;
            }
            long wait =
                pending.isEmpty()
                    ? 200
                    : commits.idle()
                        ? 0
                        : Math.min(
                            BUSY_POLL_MS,
                            Math.max(0, pendingSinceMs + maxWaitMs - System.currentTimeMillis()));
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(wait))) {
              if (pending.isEmpty()) pendingSinceMs = System.currentTimeMillis();
              pending.add(r);
            }
            // adaptive micro-batches: at once while the committer is idle (a lone event waits for
            // nothing), else until the batch is full or has waited maxWait (then predicted while
            // the previous transaction commits); under load a poll brings what came meanwhile
            if (!pending.isEmpty()
                && (pending.size() >= batchSize
                    || commits.idle()
                    || System.currentTimeMillis() - pendingSinceMs >= maxWaitMs)) {
              dispatch();
            }
          }
        } catch (WakeupException e) {
          if (running) throw e;
        } finally {
          // what is predicted is committed while this consumer still owns its partitions
          if (!commits.crashed()) commits.awaitIdle(Duration.ofSeconds(10));
        }
      } catch (BatchCommitter.SimulatedCrash e) {
        // as if the process died: the open transaction is neither committed nor aborted and the
        // producer is not closed; only the consumer leaves the group (as a session timeout would)
        LOG.warn("prediction loop {}: {}", transactionalId, e.getMessage());
        running = false;
      } finally {
        consumer = null;
        pending.clear();
        commits.close();
        abandoned = commits.abandoned();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      failure = e;
      LOG.error("prediction loop {} stopped by an unexpected error", transactionalId, e);
    } finally {
      running = false;
    }
  }

  /**
   * Acts on the committer's state: a fatal error or a simulated crash stops the loop; after a
   * failed transaction, once nothing is in flight, the consumer is rewound to the first offsets of
   * the batches that were not committed (and the records polled meanwhile are dropped, they come
   * again).
   */
  private void checkCommitter() throws InterruptedException {
    BatchCommitter commits = committer;
    if (commits.crashed()) {
      running = false;
      throw new BatchCommitter.SimulatedCrash();
    }
    RuntimeException fatal = commits.fatal();
    if (fatal != null) {
      running = false;
      throw fatal;
    }
    if (!commits.failed()) return;
    while (!commits.awaitIdle(Duration.ofSeconds(1))) {
      if (commits.crashed() || commits.fatal() != null) {
        checkCommitter();
        return;
      }
    }
    Map<TopicPartition, Long> from = commits.takeRewind();
    for (ConsumerRecord<byte[], byte[]> r : pending) {
      from.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    pending.clear();
    from.forEach(
        (tp, off) -> {
          if (consumer.assignment().contains(tp)) consumer.seek(tp, off);
        });
    LOG.info("prediction loop {}: re-reading from {}", transactionalId, from);
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(batchSize));
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-consumer");
    // A killed instance's partitions move after this (Kafka's default is 45 s); README "Recovery
    // after a crash".
    p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "2");
    // A transaction begun right after the previous commit finds the broker still writing that
    // commit's markers and is answered CONCURRENT_TRANSACTIONS; the producer then retries after
    // retry.backoff.ms, 100 ms by default, which put 100-400 ms tails on predictions at every rate
    // (the serving bench's EOS relay: p50 270 ms at 50 events/s with the default, 13 ms with 5 ms).
    // A short first backoff, still growing exponentially up to retry.backoff.max.ms (1 s), keeps
    // the
    // retries cheap without hammering a broker that is really unavailable.
    p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, String.valueOf(RETRY_BACKOFF_MS));
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-producer");
    p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    // A killed instance's open transaction (one micro-batch) is aborted by the broker after this,
    // so
    // read_committed readers of the predictions are not held back for the default 60 s.
    p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
    KafkaProducer<byte[], byte[]> prod =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    prod.initTransactions();
    return prod;
  }

  /**
   * Decodes and predicts the pending records (one model version, predictBatch in chunks of the
   * batch size) and hands the outputs and offsets to the committer, which publishes them in a
   * transaction.
   */
  private void dispatch() {
    List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(pending);
    pending.clear();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : batch) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      offsets.merge(
          tp, new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
      firstOffsets.merge(tp, r.offset(), Math::min);
    }
    Outputs out;
    try (ModelHolder.Lease lease =
        holder.acquire().orElseThrow(() -> new IllegalStateException("no model"))) {
      out = transform(batch, lease.model());
    }
    committer.submit(
        new BatchCommitter.Batch(
            out.records,
            offsets,
            firstOffsets,
            consumer.groupMetadata(),
            out.predictions,
            out.deadLetters,
            out.latencies));
    if (out.deadLetters > 0)
      LOG.debug("{} records of the batch went to {}", out.deadLetters, dlq.name());
  }

  /**
   * Dispatches the pending records and waits until everything dispatched is committed (or failed).
   */
  private void drain() {
    if (!pending.isEmpty()) dispatch();
    try {
      checkCommitter(); // waits for a failed transaction's batches and rewinds
      while (!committer.awaitIdle(Duration.ofSeconds(1))) {
        checkCommitter();
      }
      checkCommitter();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.apache.kafka.common.errors.InterruptException(e);
    }
  }

  private static final class Outputs {
    final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    final List<Long> latencies = new ArrayList<>();
    int predictions;
    int deadLetters;
  }

  /** Decodes, predicts and encodes one batch; bad records become dead letters. */
  private Outputs transform(List<ConsumerRecord<byte[], byte[]>> batch, ServedModel model) {
    Outputs out = new Outputs();
    List<ConsumerRecord<byte[], byte[]>> good = new ArrayList<>();
    List<PairedSample> inputs = new ArrayList<>();
    List<Sample> samples = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : batch) {
      try {
        if (r.value() == null) throw new Conversions.BadSampleException("null value");
        PairedSample p = sampleDeserializer.deserialize(r.topic(), r.value());
        samples.add(Conversions.toSample(p, model.config()));
        inputs.add(p);
        good.add(r);
      } catch (RuntimeException e) {
        out.records.add(deadLetter(r, e, "decode"));
        out.deadLetters++;
      }
    }
    if (samples.isEmpty()) return out;
    // records polled while a batch filled can exceed the batch size: predict in chunks of it
    List<Inference> inferences = new ArrayList<>(samples.size());
    for (int from = 0; from < samples.size(); from += batchSize) {
      inferences.addAll(
          predictChunk(model, samples.subList(from, Math.min(samples.size(), from + batchSize))));
    }
    long now = System.currentTimeMillis();
    for (int i = 0; i < good.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = good.get(i);
      PairedSample p = inputs.get(i);
      Inference inf = inferences.get(i);
      if (inf == null || inf.label() == null) {
        String why =
            inf == null
                ? "the model cannot predict sample " + p.getSampleId()
                : "model " + model + " knows no class yet";
        out.records.add(deadLetter(r, new Conversions.BadSampleException(why), "predict"));
        out.deadLetters++;
        continue;
      }
      String nonFinite = Conversions.nonFiniteScore(inf);
      if (nonFinite != null) {
        out.records.add(
            deadLetter(
                r,
                new Conversions.BadSampleException(
                    nonFinite + " (sample " + p.getSampleId() + ", model " + model + ")"),
                "predict"));
        out.deadLetters++;
        continue;
      }
      Prediction pred =
          Conversions.toPrediction(p, inf, model.modelName(), model.version(), topK, now);
      out.records.add(
          new ProducerRecord<>(
              predictions.name(),
              null,
              now,
              keySerializer.serialize(predictions.name(), p.getStreamId()),
              predictionSerializer.serialize(predictions.name(), pred)));
      if (jsonMirror != null) {
        out.records.add(
            new ProducerRecord<>(
                jsonMirror.name(),
                null,
                now,
                keySerializer.serialize(jsonMirror.name(), p.getStreamId()),
                PredictionJson.toJson(pred).getBytes(StandardCharsets.UTF_8)));
      }
      out.latencies.add(pred.getLatencyMs());
      out.predictions++;
    }
    return out;
  }

  /**
   * One predictBatch; if the learner refuses it, one by one so only the bad samples fail (null).
   */
  private List<Inference> predictChunk(ServedModel model, List<Sample> samples) {
    long t0 = System.nanoTime();
    List<Inference> inferences;
    try {
      inferences = model.predictBatch(samples);
      if (inferences.size() != samples.size()) {
        throw new IllegalStateException(
            "predictBatch returned " + inferences.size() + " for " + samples.size());
      }
    } catch (RuntimeException batchError) {
      LOG.warn(
          "predictBatch failed ({}); predicting the {} samples one by one",
          batchError.toString(),
          samples.size());
      inferences = new ArrayList<>();
      for (Sample s : samples) {
        try {
          inferences.add(model.predict(s));
        } catch (RuntimeException e) {
          inferences.add(null);
        }
      }
    }
    metrics.batchPredictNanos(System.nanoTime() - t0, samples.size());
    return inferences;
  }

  private ProducerRecord<byte[], byte[]> deadLetter(
      ConsumerRecord<byte[], byte[]> r, Throwable e, String stage) {
    metrics.deadLetter(dlq.name());
    LOG.warn(
        "{}-{}@{} -> {}: {}", r.topic(), r.partition(), r.offset(), dlq.name(), e.getMessage());
    DeadLetter letter = DeadLetters.of(r, e, "serving." + stage);
    return new ProducerRecord<>(
        dlq.name(), null, r.key(), deadLetterSerializer.serialize(dlq.name(), letter));
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      assignment.removeAll(partitions);
      if (pending.isEmpty() && committer.idle()) return;
      if (!running) {
        pending.clear(); // shutting down: not committed, whoever takes over reads them again
        return;
      }
      LOG.info(
          "partitions {} revoked; committing {} pending records first", partitions, pending.size());
      drain();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("{} assigned {}", transactionalId, partitions);
      assignment.addAll(partitions);
      assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      assignment.removeAll(partitions);
      LOG.warn(
          "partitions {} lost; dropping {} pending records (not committed)",
          partitions,
          pending.size());
      pending.clear();
    }
  }

  /**
   * Fault injection for tests: the next micro-batch is sent but not committed, and the loop stops
   * as if the process had been killed (transaction left open, producer not closed). A successor
   * with the same transactional.id fences the open transaction; see the restart ITs.
   */
  public void crashBeforeNextCommit() {
    crashBeforeNextCommit = true;
    BatchCommitter commits = committer;
    if (commits != null) commits.crashBeforeNextCommit();
  }

  /** Stops the loop: records polled but not committed are read again by whoever owns them next. */
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
    KafkaProducer<byte[], byte[]> p = abandoned;
    if (p != null) {
      abandoned = null;
      p.close(Duration.ZERO);
    }
  }
}
