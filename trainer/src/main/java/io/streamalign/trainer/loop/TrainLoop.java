package io.streamalign.trainer.loop;

import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import io.streamalign.records.SampleRecords;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.trainer.batch.MicroBatcher;
import io.streamalign.trainer.metrics.TrainerMeters;
import io.streamalign.trainer.quality.PromotionGate;
import io.streamalign.trainer.quality.QualityMonitor;
import io.streamalign.trainer.snapshot.Provenance;
import io.streamalign.trainer.snapshot.SnapshotLimits;
import io.streamalign.trainer.snapshot.SnapshotPublisher;
import io.streamalign.trainer.snapshot.SnapshotPublisher.TransactionFailedException;
import io.streamalign.trainer.snapshot.SnapshotRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The train loop, on its own thread: polls the paired and support topics, converts records
 * (dead-lettering those that do not fit), learns in micro-batches on the {@link LearnerWorker}
 * while it keeps polling, pauses the input when the pending buffer is full, and publishes a
 * snapshot every S samples or T seconds through the {@link SnapshotPublisher}.
 *
 * <p><b>The model and the committed offsets never diverge.</b> The learner's state is, at every
 * moment, its last committed snapshot plus the records of {@link #dirty} partitions read since. A
 * snapshot is published only while every such partition is still assigned, with the offsets of
 * every assigned partition. When that cannot be done (a transaction aborted, a producer error,
 * partitions revoked before their work could commit, or lost), the learner is rolled back ({@link
 * Recovery}): restored from the newest valid committed snapshot, and every assigned partition
 * sought to that snapshot's offsets, so each record is learned exactly once.
 */
public final class TrainLoop {

  private static final Logger LOG = LoggerFactory.getLogger(TrainLoop.class);
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  private final LoopSettings config;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final LearnerWorker learner;
  private final SnapshotPublisher publisher;
  private final SnapshotCodec codec;
  private final SnapshotLimits limits;
  private final QualityMonitor quality;
  private final TrainerMeters meters;
  private final Recovery recovery;
  private final SampleRecords records;
  private final String buildVersion;
  private final Topic<String, PairedSample> paired;
  private final Topic<String, SupportExample> support;
  private final Topic<String, ModelSnapshot> snapshots;
  private final Topic<String, TrainerMetrics> metricsTopic;
  private final AvroSerde<PairedSample> pairedSerde = AvroSerde.of(PairedSample.class);
  private final AvroSerde<SupportExample> supportSerde = AvroSerde.of(SupportExample.class);
  private final AvroSerde<ModelSnapshot> snapshotSerde = AvroSerde.of(ModelSnapshot.class);
  private final AvroSerde<TrainerMetrics> metricsSerde = AvroSerde.of(TrainerMetrics.class);
  private final AvroSerde<DeadLetter> deadLetterSerde = AvroSerde.of(DeadLetter.class);
  private final byte[] modelKey;

  private final MicroBatcher<Pending> pending;
  private final ConcurrentLinkedQueue<Runnable> fromLearnerThread = new ConcurrentLinkedQueue<>();

  /**
   * Partitions with records in the model (or queued dead letters) since the last committed
   * snapshot.
   */
  private final Set<TopicPartition> dirty = new HashSet<>();

  private InFlight inFlight;
  private long samplesSinceSnapshot;
  private long lastSnapshotNanos = System.nanoTime();
  private long snapshotDueAfterNanos;

  /** True from a restore (at start or by a rollback) until the first learn step starts. */
  private boolean firstStepAfterRestore;

  private boolean paused;
  private RuntimeException fencedInCallback;
  private volatile boolean stopRequested;
  private volatile boolean crashRequested;

  public TrainLoop(
      LoopSettings config,
      KafkaConsumer<byte[], byte[]> consumer,
      LearnerWorker learner,
      SnapshotPublisher publisher,
      SnapshotCodec codec,
      SnapshotLimits limits,
      QualityMonitor quality,
      TrainerMeters meters,
      Recovery recovery,
      SampleRecords records,
      String buildVersion) {
    this.config = config;
    this.consumer = consumer;
    this.learner = learner;
    this.publisher = publisher;
    this.codec = codec;
    this.limits = limits;
    this.quality = quality;
    this.meters = meters;
    this.recovery = recovery;
    this.records = records;
    this.buildVersion = buildVersion;
    this.paired = config.topics().paired();
    this.support = config.topics().support();
    this.snapshots = config.topics().snapshots();
    this.metricsTopic = config.topics().metrics();
    this.modelKey = config.modelName().getBytes(StandardCharsets.UTF_8);
    this.pending =
        new MicroBatcher<>(config.batchSize(), config.batchMaxWait(), config.maxPendingSamples());
    // after a restore, the first snapshot comes soon, so a restarted trainer shows it is back
    this.snapshotDueAfterNanos =
        (recovery.version() > 0 ? firstSnapshotDelay() : config.snapshotEvery()).toNanos();
    this.firstStepAfterRestore = recovery.version() > 0;
  }

  /** Asks the loop to finish its step, publish a final snapshot and end. */
  public void requestStop() {
    stopRequested = true;
  }

  /** Asks the loop to end at once, publishing and committing nothing (failure tests). */
  public void requestCrash() {
    crashRequested = true;
  }

  /** The partitions assigned now (empty before the first assignment and after losing them). */
  public Set<TopicPartition> assignment() {
    return recovery.assignment();
  }

  /**
   * Runs until stopped, crashed, fenced or failed; returns how it ended. Never throws.
   *
   * @param stopping called when a graceful stop begins
   */
  /** How a run ended. */
  public enum Outcome {
    STOPPED,
    CRASHED,
    FENCED,
    FAILED
  }

  public Outcome run(Runnable stopping) {
    try {
      consumer.subscribe(List.of(paired.name(), support.name()), new Rebalance());
      while (!stopRequested && !crashRequested) {
        try {
          iteration();
        } catch (KafkaException e) {
          if (!recoverable(e)) throw e;
          // e.g. a broker that does not answer in time: undo what cannot commit, then go on
          recovery.request("a Kafka call failed (" + e + ")");
        }
      }
      if (crashRequested) {
        LOG.warn(
            "Trainer {} crashing on request: no final snapshot, nothing committed",
            config.modelName());
        return Outcome.CRASHED;
      }
      stopping.run();
      try {
        if (!recovery.needed() || recover()) publishSnapshot("final");
      } catch (KafkaException e) {
        if (!recoverable(e)) throw e;
        LOG.warn(
            "Trainer {}: no final snapshot ({}); the next trainer resumes at snapshot v{}",
            config.modelName(),
            e.toString(),
            recovery.version());
      }
      LOG.info(
          "Trainer {} stopped after a final snapshot (v{}, {} samples seen)",
          config.modelName(),
          recovery.version(),
          meters.samplesSeen());
      return Outcome.STOPPED;
    } catch (Throwable t) {
      if (SnapshotPublisher.isFenced(t)) {
        LOG.error(
            "Trainer {} was FENCED: another trainer with transactional.id '{}' (or group.instance.id) has "
                + "started and taken over this model; stopping without publishing (its work since snapshot v{} "
                + "is discarded and will be redone by the new trainer). Cause: {}",
            config.modelName(),
            config.transactionalId(),
            recovery.version(),
            t.toString());
        return Outcome.FENCED;
      }
      failure = t;
      LOG.error("Trainer {} failed; stopping without committing", config.modelName(), t);
      return Outcome.FAILED;
    }
  }

  private volatile Throwable failure;

  private void iteration() {
    if (recovery.needed() && !recover()) return;
    var polled = consumer.poll(Duration.ofMillis(pollTimeoutMs()));
    if (fencedInCallback != null) throw fencedInCallback;
    if (recovery.needed()) return; // the records polled are re-read after the rollback
    long now = nowMs();
    for (ConsumerRecord<byte[], byte[]> r : polled) accept(r, now);
    runLearnerCallbacks();
    completeStep(false);
    maybeStartStep(nowMs());
    backpressure();
    updateLag();
    if (snapshotDue()) publishSnapshot("periodic");
  }

  /** Errors a rollback can outlive: not fencing, and not a configuration or security refusal. */
  private static boolean recoverable(KafkaException e) {
    return !SnapshotPublisher.isFenced(e)
        && !(e instanceof org.apache.kafka.common.errors.AuthenticationException)
        && !(e instanceof org.apache.kafka.common.errors.AuthorizationException)
        && !(e instanceof org.apache.kafka.common.errors.InvalidConfigurationException)
        && !(e instanceof org.apache.kafka.clients.consumer.InvalidOffsetException);
  }

  /** Why the loop failed, when it did. */
  public Throwable failure() {
    return failure;
  }

  // ------------------------------------------------------------------------------------------
  // input

  private void accept(ConsumerRecord<byte[], byte[]> r, long now) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    if (r.topic().equals(paired.name())) {
      try {
        if (r.value() == null) throw new IllegalArgumentException("record has no value");
        Sample s = records.toSample(pairedSerde.decode(r.value()));
        pending.add(new Pending(tp, r.offset(), s, r.key(), r.value()), now);
      } catch (RuntimeException e) {
        deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), e, "trainer.decode");
      }
    } else if (r.topic().equals(support.name())) {
      SampleRecords.Enrollment en;
      try {
        if (r.value() == null) throw new IllegalArgumentException("record has no value");
        en = records.toEnrollment(supportSerde.decode(r.value()));
      } catch (RuntimeException e) {
        deadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), e, "trainer.decode");
        return;
      }
      dirty.add(tp);
      learner.run(
          l -> {
            try {
              l.enroll(en.className(), en.modality(), en.examples());
              LOG.info(
                  "Enrolled class '{}' from a {} example ({}-{}@{})",
                  en.className(),
                  en.modality(),
                  r.topic(),
                  r.partition(),
                  r.offset());
            } catch (RuntimeException e) {
              fromLearnerThread.add(
                  () ->
                      deadLetter(
                          r.topic(),
                          r.partition(),
                          r.offset(),
                          r.key(),
                          r.value(),
                          e,
                          "trainer.enroll"));
            }
          });
    }
  }

  private void deadLetter(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      Throwable error,
      String stage) {
    DeadLetter letter = DeadLetters.of(topic, partition, offset, key, value, error, stage);
    String dlq = topic + Topic.DLQ_SUFFIX;
    publisher.deadLetter(new ProducerRecord<>(dlq, key, deadLetterSerde.serialize(dlq, letter)));
    dirty.add(new TopicPartition(topic, partition));
    meters.onDeadLetter();
    LOG.warn(
        "Dead letter {}-{}@{} -> {} ({}): {}",
        topic,
        partition,
        offset,
        dlq,
        stage,
        error.toString());
  }

  private void runLearnerCallbacks() {
    Runnable r;
    while ((r = fromLearnerThread.poll()) != null) r.run();
  }

  // ------------------------------------------------------------------------------------------
  // learning

  private void maybeStartStep(long now) {
    if (inFlight != null || !pending.isDue(now)) return;
    // The first step after a restore is short, so the snapshot that shows the trainer is back (it
    // waits for that step) comes sooner; the steps after it are full batches again.
    List<Pending> batch = firstStepAfterRestore ? pending.take(firstStepSize()) : pending.take();
    firstStepAfterRestore = false;
    List<Sample> samples = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      samples.add(p.sample());
      dirty.add(p.tp());
    }
    inFlight =
        new InFlight(
            batch,
            learner.submit(
                l -> {
                  long t0 = System.nanoTime();
                  StepReport report = l.learn(samples);
                  return new StepResult(report, System.nanoTime() - t0);
                }));
    meters.setPending(pending.size());
  }

  private void completeStep(boolean wait) {
    InFlight f = inFlight;
    if (f == null || (!wait && !f.future().isDone())) return;
    inFlight = null;
    StepResult result;
    try {
      result = LearnerWorker.await(f.future());
    } catch (RuntimeException e) {
      LOG.error(
          "Learn step of {} samples failed; sending them to the dead-letter topic: {}",
          f.batch().size(),
          e.toString());
      for (Pending p : f.batch()) {
        deadLetter(
            p.tp().topic(), p.tp().partition(), p.offset(), p.key(), p.value(), e, "trainer.learn");
      }
      return;
    }
    StepReport r = result.report();
    samplesSinceSnapshot += f.batch().size();
    meters.onStep(r, result.stepNanos());
    boolean[] correct = outcomes(r);
    if (correct.length > 0) {
      boolean drifted = quality.onOutcomes(correct);
      meters.setWindowAccuracy(quality.windowAccuracy());
      if (drifted) onDrift();
    }
  }

  private static boolean[] outcomes(StepReport r) {
    List<Boolean> list = r == null ? null : r.prequentialCorrect();
    if (list == null) return new boolean[0];
    int n = 0;
    for (Boolean c : list) if (c != null) n++;
    boolean[] out = new boolean[n];
    int i = 0;
    for (Boolean c : list) if (c != null) out[i++] = c;
    return out;
  }

  private void onDrift() {
    meters.onDrift();
    LOG.warn(
        "Concept drift detected on model {} (Page-Hinkley on the prequential error; event #{}, at {} samples)",
        config.modelName(),
        meters.driftEvents(),
        meters.samplesSeen());
    learner.run(
        l -> {
          try {
            l.onDrift();
          } catch (RuntimeException e) {
            LOG.warn("The learner's onDrift() hook failed: {}", e.toString());
          }
        });
  }

  private void backpressure() {
    if (!paused && pending.isFull()) {
      Set<TopicPartition> input = inputPartitions(consumer.assignment());
      consumer.pause(input);
      paused = true;
      meters.setPaused(true);
      LOG.debug("Pending buffer full ({} samples): paused {}", pending.size(), input);
    } else if (paused && pending.hasDrained()) {
      consumer.resume(consumer.paused());
      paused = false;
      meters.setPaused(false);
      LOG.debug("Pending buffer drained ({} samples): resumed", pending.size());
    }
    meters.setPending(pending.size());
  }

  private Set<TopicPartition> inputPartitions(Collection<TopicPartition> partitions) {
    Set<TopicPartition> input = new HashSet<>();
    for (TopicPartition tp : partitions) if (tp.topic().equals(paired.name())) input.add(tp);
    return input;
  }

  private void updateLag() {
    long lag = 0;
    for (TopicPartition tp : consumer.assignment()) {
      var l = consumer.currentLag(tp);
      if (l.isPresent()) lag += l.getAsLong();
    }
    meters.setLag(lag);
  }

  private long pollTimeoutMs() {
    if (inFlight != null) return 5;
    long now = nowMs();
    long untilBatch = pending.millisUntilDue(now);
    long untilSnapshot =
        (snapshotDueAfterNanos - (System.nanoTime() - lastSnapshotNanos)) / 1_000_000;
    return Math.max(
        1, Math.min(100, Math.min(untilBatch, dirty.isEmpty() ? 100 : Math.max(0, untilSnapshot))));
  }

  private boolean snapshotDue() {
    if (dirty.isEmpty()) return false;
    return samplesSinceSnapshot >= config.snapshotEverySamples()
        || System.nanoTime() - lastSnapshotNanos >= snapshotDueAfterNanos;
  }

  /** A quarter batch (at least 1): a learn step's time grows with its samples. */
  private int firstStepSize() {
    return Math.max(1, config.batchSize() / 4);
  }

  /**
   * The first snapshot after a restart or a rollback comes soon, so recovery shows within seconds.
   */
  private Duration firstSnapshotDelay() {
    Duration quick = Duration.ofSeconds(2);
    return config.snapshotEvery().compareTo(quick) < 0 ? config.snapshotEvery() : quick;
  }

  // ------------------------------------------------------------------------------------------
  // snapshots

  /**
   * Publishes a snapshot, its metrics record and the offsets of every assigned partition in one
   * transaction; rolls back instead when that cannot be exact.
   */
  private void publishSnapshot(String reason) {
    completeStep(true);
    runLearnerCallbacks();
    if (dirty.isEmpty()) return;
    Set<TopicPartition> assigned = consumer.assignment();
    if (!assigned.containsAll(dirty)) {
      Set<TopicPartition> gone = new HashSet<>(dirty);
      gone.removeAll(assigned);
      recovery.request("partitions " + gone + " with unsnapshotted work are no longer assigned");
      return;
    }
    Map<TopicPartition, Long> offsets = currentOffsets(assigned);
    Map<TopicPartition, Long> source = new HashMap<>(recovery.offsets());
    source.putAll(offsets);
    // Input partitions the model never read (not assigned yet): it learned nothing before their
    // start.
    Set<TopicPartition> unread = new HashSet<>();
    for (String topic : List.of(paired.name(), support.name())) {
      for (var info : consumer.partitionsFor(topic, CLIENT_TIMEOUT)) {
        TopicPartition tp = new TopicPartition(info.topic(), info.partition());
        if (!source.containsKey(tp)) unread.add(tp);
      }
    }
    if (!unread.isEmpty()) source.putAll(consumer.beginningOffsets(unread, CLIENT_TIMEOUT));
    long version = recovery.version() + 1;
    long createdAt = System.currentTimeMillis();
    Map<String, String> provenance =
        new Provenance(
                config.modelName(),
                version,
                createdAt,
                stringKeys(source),
                config.transactionalId(),
                buildVersion)
            .entries();
    // the state is taken on the learner thread; encoding and sha256 run here, off that thread
    SnapshotRecord d = learner.call(l -> SnapshotRecord.later(l, provenance)).get();
    runLearnerCallbacks(); // enrollment failures surfaced while we waited
    PromotionGate.Decision decision = quality.decide();
    ModelSnapshot snapshot =
        codec.seal(
            d.builder(
                config.modelName(),
                version,
                createdAt,
                buildVersion,
                source,
                decision,
                meters.lastReport(),
                meters.driftEvents()));
    byte[] value = snapshotSerde.serialize(snapshots.name(), snapshot);
    String what = "snapshot v" + version + " of model " + config.modelName();
    limits.check(modelKey.length + (long) value.length, what);
    double secs = Math.max(1e-3, (System.nanoTime() - lastSnapshotNanos) / 1e9);
    TrainerMetrics tm =
        meters.record(
            config.modelName(),
            version,
            createdAt,
            d.samplesSeen(),
            samplesSinceSnapshot / secs,
            value.length);
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
    try {
      publisher.commit(
          List.of(
              new ProducerRecord<>(snapshots.name(), modelKey, value),
              new ProducerRecord<>(
                  metricsTopic.name(), modelKey, metricsSerde.serialize(metricsTopic.name(), tm))),
          commit,
          consumer.groupMetadata());
    } catch (TransactionFailedException e) {
      recovery.request(what + " did not commit (" + e.getCause() + ")");
      return;
    }
    recovery.committed(version, source);
    quality.accept(decision);
    dirty.clear();
    samplesSinceSnapshot = 0;
    lastSnapshotNanos = System.nanoTime();
    snapshotDueAfterNanos = config.snapshotEvery().toNanos();
    meters.setSamplesSeen(d.samplesSeen());
    meters.onSnapshot(version, d.parameters().length, decision.promoted());
    LOG.info(
        "Published {} ({}): {} bytes, {} samples seen, window accuracy {}, promoted={} (baseline {}), offsets {}",
        what,
        reason,
        d.parameters().length,
        d.samplesSeen(),
        fmt(decision.accuracy()),
        decision.promoted(),
        fmt(decision.baseline()),
        new TreeMap<>(stringKeys(source)));
  }

  /**
   * Per assigned partition: the first record not yet learned (pending), else the consumer's
   * position.
   */
  private Map<TopicPartition, Long> currentOffsets(Set<TopicPartition> assigned) {
    Map<TopicPartition, Long> firstPending = new HashMap<>();
    pending.forEach(p -> firstPending.merge(p.tp(), p.offset(), Math::min));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : assigned) {
      Long first = firstPending.get(tp);
      out.put(tp, first != null ? first : consumer.position(tp, CLIENT_TIMEOUT));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // rollback

  /**
   * Rolls the learner back to its last committed snapshot and seeks every assigned partition to
   * that snapshot's offsets; false (after a pause, partitions paused) while that is not possible
   * yet, e.g. while the broker is unreachable.
   */
  private boolean recover() {
    InFlight f = inFlight;
    inFlight = null;
    if (f != null) {
      try {
        LearnerWorker.await(f.future()); // its result is discarded with the learner
      } catch (RuntimeException ignored) {
        // the step's samples are re-read after the rollback
      }
    }
    pending.clear();
    meters.setPending(0);
    publisher.discardDeadLetters();
    dirty.clear();
    if (!recovery.rollBack(consumer)) {
      Set<TopicPartition> assigned = consumer.assignment();
      consumer.pause(assigned);
      try {
        consumer.poll(Duration.ofMillis(1000)); // stay in the group while waiting
      } catch (RuntimeException e) {
        if (SnapshotPublisher.isFenced(e)) throw e;
        LOG.debug("poll while recovering: {}", e.toString());
      }
      return false;
    }
    fromLearnerThread.clear(); // callbacks of the discarded learner
    consumer.resume(consumer.assignment());
    paused = false;
    meters.setPaused(false);
    samplesSinceSnapshot = 0;
    lastSnapshotNanos = System.nanoTime();
    snapshotDueAfterNanos = firstSnapshotDelay().toNanos();
    firstStepAfterRestore = true;
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // rebalances

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty() || fencedInCallback != null || crashRequested) return;
      try {
        // Publish what was learned before letting go, so no work is lost to the next owner.
        // If that fails, the rollback runs in the loop before any further record is used, and
        // onPartitionsAssigned seeks to the committed offsets meanwhile.
        if (!dirty.isEmpty() || inFlight != null) publishSnapshot("rebalance");
      } catch (RuntimeException e) {
        if (SnapshotPublisher.isFenced(e)) {
          fencedInCallback = e;
        } else {
          LOG.warn(
              "Could not publish a snapshot before giving up partitions {}: {}",
              partitions,
              e.toString());
          recovery.request("the snapshot before revocation failed: " + e);
        }
      }
      pending.removeIf(p -> partitions.contains(p.tp()));
      recovery.revoked(partitions);
      LOG.info("Partitions revoked: {}", partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // Not ours any more and nothing can be committed for them: their work must be undone.
      boolean hadWork = inFlight != null || partitions.stream().anyMatch(dirty::contains);
      pending.removeIf(p -> partitions.contains(p.tp()));
      recovery.revoked(partitions);
      if (hadWork)
        recovery.request("partitions " + partitions + " were lost with unsnapshotted work");
      LOG.warn("Partitions lost: {}", partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      recovery.assigned(consumer, partitions);
      if (paused) consumer.pause(inputPartitions(partitions));
    }
  }

  // ------------------------------------------------------------------------------------------

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  static Map<String, Long> stringKeys(Map<TopicPartition, Long> m) {
    Map<String, Long> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k.toString(), v));
    return out;
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", v);
  }

  private record Pending(TopicPartition tp, long offset, Sample sample, byte[] key, byte[] value) {}

  private record InFlight(List<Pending> batch, Future<StepResult> future) {}

  private record StepResult(StepReport report, long stepNanos) {}
}
