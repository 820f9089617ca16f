package io.streamalign.serving;

import io.streamalign.http.HttpSettings;
import io.streamalign.model.CrossModalModel;
import io.streamalign.model.ServableModel;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.health.BrokerLag;
import io.streamalign.schemas.health.HealthCheck;
import io.streamalign.serving.http.HttpApi;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.SnapshotFollower;
import io.streamalign.serving.model.SnapshotVerifier;
import io.streamalign.serving.predict.PredictionLoop;
import io.streamalign.serving.predict.SupportConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving service: hot-swapped model snapshots, exactly-once predictions, few-shot enrollment
 * and an optional HTTP endpoint.
 *
 * <p>Topics (names from {@link Topics} with the configured prefix; keys are String, values Avro
 * single-object encoded):
 *
 * <ul>
 *   <li>reads {@code av.model.snapshots} (key model name, {@code ModelSnapshot}) — {@link
 *       SnapshotFollower}
 *   <li>reads {@code av.infer} (key streamId, {@code PairedSample}) — {@link PredictionLoop}
 *   <li>writes {@code av.predictions} (key streamId, {@code Prediction}) and {@code av.infer.dlq}
 *       ({@code DeadLetter}) in the same transactions as the consumed offsets
 *   <li>reads {@code av.support} (key className, {@code SupportExample}), writes {@code
 *       av.support.dlq} — {@link SupportConsumer}
 * </ul>
 *
 * <pre>{@code
 * ServingConfig cfg = ServingConfig.builder(KafkaSettings.fromEnv()).setModelName("digits").optHttpPort(8080).build();
 * try (ServingService svc = ServingService.withCrossModalLearner(cfg)) {
 *     svc.start();
 *     svc.awaitModel(Duration.ofMinutes(1));
 *     ...
 * }
 * }</pre>
 */
public final class ServingService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);

  private final ServingConfig cfg;
  private final Topics topics;
  private final ModelHolder holder = new ModelHolder();
  private final Enrollments enrollments;
  private final ServingMetrics metrics;
  private final SnapshotFollower follower;
  private final SupportConsumer support;
  private final PredictionLoop loop;
  private HttpApi http;
  private boolean started;
  private boolean stopped;

  /** A service that restores snapshot bytes with {@code restore} (it must throw on bad bytes). */
  public ServingService(ServingConfig cfg, Function<byte[], ? extends ServableModel> restore) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.topics = Topics.withPrefix(cfg.kafka().topicPrefix());
    this.enrollments = new Enrollments(cfg.supportPerClass());
    this.metrics = new ServingMetrics(holder::version);
    Properties client = cfg.kafka().clientProperties();
    SnapshotVerifier verifier =
        new SnapshotVerifier(
            restore,
            cfg.formatVersions(),
            new io.streamalign.records.SnapshotCodec(cfg.snapshotKey()));
    this.follower =
        new SnapshotFollower(
            client,
            topics.snapshots().name(),
            topics.snapshots().valueSerde().deserializer(),
            cfg.modelName(),
            cfg.promotedOnly(),
            verifier,
            holder,
            enrollments,
            metrics);
    this.support =
        new SupportConsumer(
            client,
            topics.support(),
            topics.deadLetters(topics.support()),
            enrollments,
            holder,
            metrics);
    Properties loopClient = new Properties();
    loopClient.putAll(client);
    if (cfg.stableInstanceId()) {
      loopClient.putIfAbsent(
          org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
          cfg.transactionalId());
    }
    this.loop =
        new PredictionLoop(
            loopClient,
            cfg.applicationId(),
            cfg.transactionalId(),
            topics.infer(),
            topics.predictions(),
            topics.deadLetters(topics.infer()),
            holder,
            metrics,
            cfg.batchSize(),
            cfg.batchMaxWait(),
            cfg.topK(),
            cfg.jsonMirror() ? topics.predictionsJson() : null);
  }

  /**
   * Creates the optional JSON mirror topic when it is missing (it is not among the topics that
   * {@code topics --create} makes), with the broker's default partitions and replication.
   */
  private void createJsonMirror() {
    String name = topics.predictionsJson().name();
    try (Admin admin = Admin.create(cfg.kafka().clientProperties())) {
      admin
          .createTopics(List.of(new NewTopic(name, Optional.empty(), Optional.empty())))
          .all()
          .get(60, TimeUnit.SECONDS);
      LOG.info("created the JSON mirror topic {}", name);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create the JSON mirror topic " + name + ": " + e.getCause(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating " + name, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out creating the JSON mirror topic " + name, e);
    }
  }

  /**
   * A service serving the learner's snapshots: each is restored as the servable {@link
   * CrossModalModel} only (encoders, classifier, prototypes, classes), never as the trainable
   * learner. PyTorch's native libraries start loading at once on a background thread, so the first
   * snapshot's restore does not wait for them (README.md, "Recovery after a crash").
   */
  public static ServingService withCrossModalLearner(ServingConfig cfg) {
    Thread preload =
        new Thread(
            () -> {
              try {
                CrossModalModel.preloadEngine();
              } catch (RuntimeException | LinkageError e) {
                LOG.debug("preloading PyTorch: {}", e.toString()); // the restore reports it
              }
            },
            "serving-preload");
    preload.setDaemon(true);
    preload.start();
    return new ServingService(cfg, CrossModalModel::restore);
  }

  /**
   * Starts following snapshots and support examples, the prediction loop (which joins the consumer
   * group once the first model is served) and, if configured, HTTP. Does not block.
   */
  public synchronized void start() {
    if (started) throw new IllegalStateException("already started");
    started = true;
    LOG.info("starting serving: {}", cfg);
    if (cfg.jsonMirror()) createJsonMirror();
    follower.start();
    support.start();
    loop.start();
    if (cfg.httpPort() != 0) {
      try {
        http =
            new HttpApi(
                HttpSettings.builder()
                    .host(cfg.httpHost())
                    .port(Math.max(0, cfg.httpPort()))
                    .bearerToken(cfg.httpToken())
                    .build(),
                holder,
                enrollments,
                metrics,
                this::isHealthy,
                cfg.topK());
      } catch (IOException e) {
        stop();
        throw new UncheckedIOException(
            "cannot bind HTTP to " + cfg.httpHost() + ":" + cfg.httpPort(), e);
      }
    }
  }

  /** Waits until a model is served; true if one is. */
  public boolean awaitModel(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (holder.version() < 0 && System.nanoTime() < deadline) Thread.sleep(20);
    return holder.version() >= 0;
  }

  /** Waits until the prediction consumer has partitions assigned. */
  public boolean awaitAssigned(Duration timeout) throws InterruptedException {
    return loop.awaitAssigned(timeout);
  }

  /** Waits until the support examples present at start are enrolled. */
  public boolean awaitSupportCaughtUp(Duration timeout) throws InterruptedException {
    return support.awaitCaughtUp(timeout);
  }

  /** Stops HTTP, the prediction loop, the consumers, and closes the served model. Idempotent. */
  public synchronized void stop() {
    if (stopped) return;
    stopped = true;
    if (http != null) http.close();
    if (admin != null) admin.close(Duration.ofSeconds(5));
    loop.close();
    support.close();
    follower.close();
    holder.close();
    LOG.info(
        "serving stopped after {} predictions, {} swaps, {} rejected snapshots",
        metrics.predictionCount(),
        metrics.swapCount(),
        metrics.rejectedCount());
  }

  @Override
  public void close() {
    stop();
  }

  /** The served version, -1 before the first. */
  public long modelVersion() {
    return holder.version();
  }

  /** The model holder (for the CLI's status output and tests). */
  public ModelHolder holder() {
    return holder;
  }

  public Enrollments enrollments() {
    return enrollments;
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  public ServingConfig config() {
    return cfg;
  }

  /** The bound HTTP port, if HTTP is on. */
  public OptionalInt httpPort() {
    return http == null ? OptionalInt.empty() : OptionalInt.of(http.port());
  }

  /**
   * Fault injection for tests: the next prediction batch is published but never committed and the
   * prediction loop dies as if the process were killed. Not for production use.
   */
  public void crashBeforeNextCommit() {
    loop.crashBeforeNextCommit();
  }

  /** True while the prediction loop and the snapshot follower run. */
  public boolean isRunning() {
    return loop.isRunning() && follower.isRunning();
  }

  private final HealthCheck healthCheck = new HealthCheck(Duration.ofSeconds(30));
  private Admin admin;

  /**
   * What {@code /health} reports (README "Health"): a model is served, the loops run, the
   * prediction consumer has partitions, and the broker answers and shows no lag left behind a loop
   * that has stopped committing.
   */
  public boolean isHealthy() {
    if (holder.version() < 0) return false;
    java.util.Set<org.apache.kafka.common.TopicPartition> assigned = loop.assignment();
    java.util.OptionalLong lag;
    synchronized (this) {
      if (stopped) return false;
      if (admin == null) admin = Admin.create(cfg.kafka().clientProperties());
      lag = new BrokerLag(admin, cfg.applicationId(), Duration.ofSeconds(3)).of(assigned);
    }
    return healthCheck
        .judge(
            new HealthCheck.Facts(
                isRunning(),
                false,
                assigned.size(),
                lag.isPresent(),
                lag.orElse(-1),
                Duration.ofNanos(System.nanoTime() - loop.lastProgressNanos())))
        .up();
  }
}
