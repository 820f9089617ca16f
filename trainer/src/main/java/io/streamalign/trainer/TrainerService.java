package io.streamalign.trainer;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.OnlineLearner;
import io.streamalign.model.StepReport;
import io.streamalign.records.SampleRecords;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.schemas.health.BrokerLag;
import io.streamalign.schemas.health.HealthCheck;
import io.streamalign.trainer.loop.LearnerWorker;
import io.streamalign.trainer.loop.LoopSettings;
import io.streamalign.trainer.loop.Recovery;
import io.streamalign.trainer.loop.TrainLoop;
import io.streamalign.trainer.metrics.MetricsServer;
import io.streamalign.trainer.metrics.TrainerMeters;
import io.streamalign.trainer.quality.QualityMonitor;
import io.streamalign.trainer.snapshot.SnapshotLimits;
import io.streamalign.trainer.snapshot.SnapshotPublisher;
import io.streamalign.trainer.snapshot.SnapshotRecord;
import io.streamalign.trainer.snapshot.SnapshotRestorer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer: consumes paired samples, learns from them in micro-batches, and publishes
 * model snapshots exactly once. This class is the lifecycle and the wiring; the parts are the
 * {@link TrainLoop} (poll, learn, publish, roll back), the {@link SnapshotPublisher} (one
 * transaction per snapshot: dead letters, snapshot, metrics record, offsets), the {@link
 * SnapshotRestorer} (the newest valid snapshot), the {@link QualityMonitor} (promotion gate, drift)
 * and one {@link TrainerMeters}.
 *
 * <p>Reads (group {@code streamalign-trainer-<model>}, {@code read_committed}, no auto-commit,
 * static membership {@code group.instance.id = streamalign-trainer-<model>}): {@code av.paired}
 * ({@code PairedSample}, learned), {@code av.support} ({@code SupportExample}, enrolled at once),
 * and at start and after a fault {@code av.model.snapshots} (the newest valid committed snapshot).
 * Writes, in transactions of {@code transactional.id = streamalign-trainer-<model>}: {@code
 * av.model.snapshots}, {@code av.trainer.metrics} and the dead-letter topics.
 *
 * <p><b>Exactly once.</b> A snapshot's transaction holds the consumer offsets of exactly the
 * records its model learned; its {@code sourceOffsets} are those offsets. On start, and after any
 * fault (an aborted transaction, a producer error, partitions revoked or lost before their work
 * committed), the newest valid committed snapshot is restored and the consumer sought to its
 * offsets, so every input record is reflected in the model exactly once. {@code initTransactions()}
 * runs first: it fences an older trainer of the same model and aborts its open transaction.
 *
 * <p><b>Threads.</b> {@link #start()} fences, restores and checks limits in the caller's thread and
 * throws on failure; then the loop thread owns the Kafka clients and the learner thread the
 * learner.
 */
public final class TrainerService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  /** Snapshot parameter format versions the trainer restores. */
  public static final java.util.Set<Integer> FORMAT_VERSIONS = java.util.Set.of(1);

  private final TrainerConfig config;
  private final LearnerFactory factory;
  private final TrainerMeters meters;
  private final QualityMonitor quality;
  private final SnapshotCodec codec;
  private final HealthCheck healthCheck;
  private final AtomicReference<TrainerState> state = new AtomicReference<>(TrainerState.CREATED);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Throwable failure;

  // created by start()
  private LearnerWorker learner;
  private SnapshotPublisher publisher;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Recovery recovery;
  private TrainLoop loop;
  private Admin admin;
  private BrokerLag brokerLag;
  private MetricsServer http;

  /** A trainer with the real learner ({@link LearnerFactory#crossModal()}). */
  public TrainerService(TrainerConfig config) {
    this(config, LearnerFactory.crossModal());
  }

  public TrainerService(TrainerConfig config, LearnerFactory factory) {
    this.config = Objects.requireNonNull(config, "config");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.meters = new TrainerMeters(config.modelName());
    this.quality =
        new QualityMonitor(
            config.promotionMargin(),
            config.promotionWindow(),
            config.driftDelta(),
            config.driftThreshold(),
            config.driftMinInstances());
    this.codec = new SnapshotCodec(config.snapshotKey());
    this.healthCheck = new HealthCheck(config.healthStallTimeout());
  }

  // ------------------------------------------------------------------------------------------
  // lifecycle

  /**
   * Fences older trainers of this model, restores the newest valid committed snapshot (or creates a
   * fresh learner), checks the snapshot size against the Kafka limits, starts the metrics server
   * (if a port is set) and the loop thread. Throws, with the service FAILED, if any of that fails.
   *
   * @throws io.streamalign.trainer.snapshot.SnapshotTooLargeException if a snapshot would not fit
   */
  public synchronized void start() {
    if (!state.compareAndSet(TrainerState.CREATED, TrainerState.STARTING)) {
      throw new IllegalStateException(
          "trainer " + config.modelName() + " was already started (" + state.get() + ")");
    }
    CompletableFuture<Void> restoring = null;
    try {
      LOG.info("Starting trainer: {}", config);
      long t0 = System.nanoTime();
      // The learner's native libraries load meanwhile (README.md, "Recovery after a crash").
      Thread preload =
          new Thread(
              () -> {
                try {
                  factory.preload().run();
                } catch (RuntimeException | LinkageError e) {
                  LOG.debug(
                      "preloading the learner's libraries: {}",
                      e.toString()); // create/restore report it
                }
              },
              "streamalign-trainer-preload");
      preload.setDaemon(true);
      preload.start();
      learner = new LearnerWorker(config.modelName());
      publisher = new SnapshotPublisher(TrainerClients.producer(config), config.transactionalId());
      // Fences any older trainer with this transactional id and aborts its open transaction:
      // from here on, the newest committed snapshot cannot change under us.
      publisher.ensureReady();
      long fencedNanos = System.nanoTime();
      SnapshotRestorer restorer =
          new SnapshotRestorer(
              config.kafka().clientProperties(),
              config.topics().snapshots(),
              config.modelName(),
              codec,
              FORMAT_VERSIONS);
      LoopSettings settings = loopSettings(config);
      recovery =
          new Recovery(
              settings,
              learner,
              factory.create(),
              factory.restore(),
              restorer,
              publisher,
              quality,
              meters);
      // The restore (read the snapshot, load the learner) runs on its own thread while this one
      // makes the admin client and the consumer; nothing reads from the consumer before the join.
      restoring =
          CompletableFuture.runAsync(
              recovery::start,
              r -> {
                Thread t = new Thread(r, "streamalign-trainer-restore");
                t.setDaemon(true);
                t.start();
              });
      admin = Admin.create(config.kafka().clientProperties());
      brokerLag = new BrokerLag(admin, config.groupId(), Duration.ofSeconds(3));
      consumer =
          new KafkaConsumer<>(
              TrainerClients.consumer(config),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer());
      awaitRestore(restoring);
      long restoredNanos = System.nanoTime();
      // the topic's limits as late as possible: a change just made reaches the broker's metadata
      // shortly after
      SnapshotLimits limits =
          SnapshotLimits.describe(
              admin,
              config.topics().snapshots().name(),
              TrainerClients.maxRequestSize(config),
              CLIENT_TIMEOUT);
      LearnerConfig learnerConfig = learner.call(OnlineLearner::config);
      // Size check at start: the learner as it is now must fit, or we would learn for nothing. A
      // restored learner is the snapshot it came from; a fresh one is serialized once to measure
      // it.
      long size =
          recovery.restoredBytes() > 0
              ? recovery.restoredBytes()
              : learner
                  .call(l -> SnapshotRecord.of(l, Map.of("purpose", "size-check")))
                  .parameters()
                  .length;
      limits.check(
          config.modelName().getBytes(StandardCharsets.UTF_8).length + size + 4096,
          "a snapshot of model " + config.modelName());
      LOG.info(
          "Snapshot of model {} is {} bytes; limits: max.request.size={}, {} max.message.bytes={}",
          config.modelName(),
          size,
          limits.maxRequestSize(),
          config.topics().snapshots().name(),
          limits.topicMaxMessageBytes());
      loop =
          new TrainLoop(
              settings,
              consumer,
              learner,
              publisher,
              codec,
              limits,
              quality,
              meters,
              recovery,
              new SampleRecords(learnerConfig),
              BuildInfo.VERSION);
      LOG.info(
          "Trainer {} started in {} ms (producer ready, older trainers fenced after {} ms; snapshot restored "
              + "after {} ms)",
          config.modelName(),
          (System.nanoTime() - t0) / 1_000_000,
          (fencedNanos - t0) / 1_000_000,
          (restoredNanos - t0) / 1_000_000);
      if (config.metricsPort() > 0) {
        http =
            MetricsServer.start(
                config.metricsBindAddress(), config.metricsPort(), meters::scrape, this::health);
        LOG.info(
            "Trainer metrics at http://{}:{}/metrics and /health",
            config.metricsBindAddress(),
            http.port());
      }
      Thread thread = new Thread(this::runLoop, "streamalign-trainer-" + config.modelName());
      state.set(TrainerState.RUNNING);
      thread.start();
    } catch (RuntimeException | IOException e) {
      if (restoring != null) {
        try {
          restoring.get(
              CLIENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // no restore left running
        } catch (Exception ignored) {
          // the start fails with e either way
        }
      }
      failure = e;
      state.set(TrainerState.FAILED);
      LOG.error("Trainer {} failed to start: {}", config.modelName(), e.toString());
      closeClients(false);
      terminated.countDown();
      if (e instanceof IOException io)
        throw new UncheckedIOException("cannot start the metrics server: " + io, io);
      throw (RuntimeException) e;
    }
  }

  /** Waits for the restore started in {@link #start()}; rethrows its failure as it was. */
  private static void awaitRestore(CompletableFuture<Void> restoring) {
    try {
      restoring.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error err) throw err;
      throw e;
    }
  }

  private static LoopSettings loopSettings(TrainerConfig c) {
    return new LoopSettings(
        c.modelName(),
        c.transactionalId(),
        c.topics(),
        c.batchSize(),
        c.batchMaxWait(),
        c.maxPendingSamples(),
        c.snapshotEvery(),
        c.snapshotEverySamples(),
        c.learnerConfig());
  }

  private void runLoop() {
    TrainerState outcome = TrainerState.FAILED;
    try {
      outcome = TrainerState.valueOf(loop.run(() -> state.set(TrainerState.STOPPING)).name());
      if (outcome == TrainerState.FAILED) failure = loop.failure();
    } finally {
      closeClients(outcome != TrainerState.STOPPED);
      state.set(outcome);
      terminated.countDown();
    }
  }

  /**
   * Stops gracefully: finishes the running step, publishes a final snapshot (with the consumed
   * offsets) in a transaction, closes the clients. Waits up to {@code timeout}; true if stopped.
   */
  public boolean stop(Duration timeout) {
    if (loop != null) loop.requestStop();
    return awaitTermination(timeout);
  }

  /** {@link #stop(Duration)} with a two-minute limit. */
  public boolean stop() {
    return stop(Duration.ofMinutes(2));
  }

  /**
   * Simulates a crash, for failure tests: stops at once without finishing the step, without a
   * snapshot and without committing anything.
   */
  public boolean crash(Duration timeout) {
    if (loop != null) loop.requestCrash();
    return awaitTermination(timeout);
  }

  /** Waits until the service has terminated (stopped, fenced, crashed or failed). */
  public boolean awaitTermination(Duration timeout) {
    if (state.get() == TrainerState.CREATED) return true;
    try {
      return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops gracefully (if running) and releases the metrics registry. */
  @Override
  public void close() {
    TrainerState s = state.get();
    if (s == TrainerState.RUNNING || s == TrainerState.STARTING || s == TrainerState.STOPPING) {
      if (!stop())
        LOG.warn(
            "Trainer {} did not stop within the time limit; abandoning it", config.modelName());
    }
    if (http != null) http.close();
    meters.close();
  }

  private void closeClients(boolean abruptly) {
    Duration t = abruptly ? Duration.ZERO : Duration.ofSeconds(30);
    if (consumer != null) {
      try {
        consumer.close(CloseOptions.timeout(t));
      } catch (RuntimeException e) {
        LOG.debug("consumer close: {}", e.toString());
      }
    }
    if (publisher != null) publisher.close(t);
    if (admin != null) admin.close(Duration.ofSeconds(5));
    if (learner != null) learner.close();
  }

  // ------------------------------------------------------------------------------------------
  // status

  public TrainerState state() {
    return state.get();
  }

  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  public TrainerConfig config() {
    return config;
  }

  /** Version of the last snapshot published or restored (0: none). */
  public long version() {
    return meters.version();
  }

  /** The learner's samplesSeen after the last step (restored samples included). */
  public long samplesSeen() {
    return meters.samplesSeen();
  }

  /**
   * Samples learned by this instance since start and kept (work undone by a rollback is not
   * counted).
   */
  public long learnedSinceStart() {
    return recovery == null ? 0 : meters.samplesSeen() - recovery.restoredSamplesSeen();
  }

  public long driftEvents() {
    return meters.driftEvents();
  }

  public long deadLetters() {
    return meters.deadLetters();
  }

  public long consumerLag() {
    return meters.lag();
  }

  /** Times the learner was rolled back to its last committed snapshot after a fault. */
  public long rollbacks() {
    return meters.rollbacks();
  }

  /** How often the input partitions were paused because the pending buffer was full. */
  public long pauses() {
    return meters.pauses();
  }

  /** The most samples ever buffered at once (bounded by max pending + one poll). */
  public int maxPendingSeen() {
    return meters.maxPendingSeen();
  }

  public Optional<StepReport> lastReport() {
    return Optional.ofNullable(meters.lastReport());
  }

  /** Fused test-then-train accuracy over the promotion window, NaN before any labeled sample. */
  public double windowAccuracy() {
    return quality.windowAccuracy();
  }

  /** Version of the snapshot restored at start, if any. */
  public Optional<Long> restoredVersion() {
    return recovery == null ? Optional.empty() : recovery.restoredVersion();
  }

  /** Offsets the consumer was sought to from the restored snapshot, per assigned partition. */
  public Map<TopicPartition, Long> restoredOffsets() {
    return recovery == null ? Map.of() : recovery.restoredOffsets();
  }

  /** Committed offsets of the group seen at assignment, per assigned partition (-1: none). */
  public Map<TopicPartition, Long> committedAtAssignment() {
    return recovery == null ? Map.of() : recovery.committedAtAssignment();
  }

  /** The Prometheus text of the trainer's meters. */
  public String scrapeMetrics() {
    return meters.scrape();
  }

  /** The bound port of the metrics server, if one runs. */
  public Optional<Integer> metricsPort() {
    return http == null ? Optional.empty() : Optional.of(http.port());
  }

  /**
   * What {@code /health} answers: {@link HealthCheck}'s decision on the loop's and the broker's
   * facts.
   */
  public MetricsServer.Health health() {
    TrainerState s = state.get();
    boolean running = s == TrainerState.RUNNING;
    var assigned = recovery == null ? java.util.Set.<TopicPartition>of() : recovery.assignment();
    var lag =
        brokerLag == null || !running ? java.util.OptionalLong.empty() : brokerLag.of(assigned);
    Duration sinceProgress = Duration.ofNanos(System.nanoTime() - meters.lastProgressNanos());
    HealthCheck.Verdict v =
        healthCheck.judge(
            new HealthCheck.Facts(
                running,
                recovery != null && recovery.needed(),
                assigned.size(),
                lag.isPresent(),
                lag.orElse(-1),
                sinceProgress));
    Map<String, Object> j = new java.util.LinkedHashMap<>();
    j.put("status", v.status().toString());
    j.put("state", s.toString());
    j.put("model", config.modelName());
    j.put("version", version());
    j.put("samplesSeen", samplesSeen());
    j.put("assignedPartitions", assigned.size());
    j.put("brokerLag", lag.orElse(-1));
    j.put("consumerLag", consumerLag());
    j.put("secondsSinceProgress", sinceProgress.toSeconds());
    j.put("rollbacks", rollbacks());
    j.put("driftEvents", driftEvents());
    j.put("deadLetters", deadLetters());
    j.put("reasons", v.reasons());
    Throwable f = failure;
    if (f != null) j.put("error", f.toString());
    return new MetricsServer.Health(v.up(), io.streamalign.schemas.Json.write(j));
  }

  /** The build version, from a resource Maven filters at build time. */
  static final class BuildInfo {
    static final String VERSION = load();

    private static String load() {
      try (InputStream in =
          TrainerService.class.getResourceAsStream("/io/streamalign/trainer/build.properties")) {
        if (in == null) return "unknown";
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown");
      } catch (IOException e) {
        return "unknown";
      }
    }
  }
}
