package io.streamalign.trainer;

import io.streamalign.model.LearnerConfig;
import io.streamalign.records.SnapshotKey;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Typed configuration of a {@link TrainerService}, in the manner of Kafka's {@code StreamsConfig}:
 * each setting has a property name (the {@code *_CONFIG} constants, usable in the {@code --config
 * FILE} properties file, whose {@code streamalign.*} keys the Kafka clients never see), a
 * documented default and a validator, all in one place ({@link #DOCS}, the builder).
 *
 * <p>Build one with {@link #builder()} ({@code setX} for required values, {@code optX} for optional
 * ones) or from properties with {@link #fromProperties}. Immutable.
 */
public final class TrainerConfig {

  /** Name of the model trained; key of its snapshots, part of the group and transactional ids. */
  public static final String MODEL_NAME_CONFIG = "streamalign.trainer.model.name";

  /** Samples per learn step. */
  public static final String BATCH_SIZE_CONFIG = "streamalign.trainer.batch.size";

  /** Longest a sample waits before a smaller batch is learned. */
  public static final String BATCH_MAX_WAIT_MS_CONFIG = "streamalign.trainer.batch.max.wait.ms";

  /** Bound of the pending buffer; the consumer pauses above it. */
  public static final String MAX_PENDING_CONFIG = "streamalign.trainer.max.pending.samples";

  /** A snapshot transaction after this many learned samples. */
  public static final String SNAPSHOT_EVERY_SAMPLES_CONFIG =
      "streamalign.trainer.snapshot.every.samples";

  /** A snapshot transaction after this much time with new work. */
  public static final String SNAPSHOT_EVERY_MS_CONFIG = "streamalign.trainer.snapshot.every.ms";

  /** Producer {@code max.request.size} for snapshot records. */
  public static final String SNAPSHOT_MAX_REQUEST_BYTES_CONFIG =
      "streamalign.trainer.snapshot.max.request.bytes";

  /** Largest drop of fused prequential accuracy still promoted. */
  public static final String PROMOTION_MARGIN_CONFIG = "streamalign.trainer.promotion.margin";

  /** Recent labeled samples the promotion gate's accuracy is measured over. */
  public static final String PROMOTION_WINDOW_CONFIG = "streamalign.trainer.promotion.window";

  /** Page-Hinkley delta. */
  public static final String DRIFT_DELTA_CONFIG = "streamalign.trainer.drift.delta";

  /** Page-Hinkley threshold lambda. */
  public static final String DRIFT_THRESHOLD_CONFIG = "streamalign.trainer.drift.threshold";

  /** Page-Hinkley minimum observations. */
  public static final String DRIFT_MIN_INSTANCES_CONFIG = "streamalign.trainer.drift.min.instances";

  /** HTTP port of /metrics and /health; 0 = off. */
  public static final String METRICS_PORT_CONFIG = "streamalign.trainer.metrics.port";

  /** Address the metrics server binds to. */
  public static final String METRICS_BIND_ADDRESS_CONFIG =
      "streamalign.trainer.metrics.bind.address";

  /** How long the trainer may go without progress while it has lag and still report UP. */
  public static final String HEALTH_STALL_MS_CONFIG = "streamalign.trainer.health.stall.ms";

  /** File holding the snapshot signing key (HMAC-SHA256). */
  public static final String SNAPSHOT_KEY_FILE_CONFIG = "streamalign.snapshot.key.file";

  /** Every setting with its documentation, for {@code --help} texts and generated docs. */
  public static final Map<String, String> DOCS;

  static {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(
        MODEL_NAME_CONFIG,
        "Name of the model trained (required; letters, digits, '.', '_', '-'). Key of its snapshots on the "
            + "snapshots topic; group id and transactional id are 'streamalign-trainer-' + name, so a second trainer "
            + "with the same name fences the first.");
    d.put(BATCH_SIZE_CONFIG, "Samples per learn step (micro-batch). Default 32.");
    d.put(
        BATCH_MAX_WAIT_MS_CONFIG,
        "Longest a sample waits before a smaller batch is learned, ms. Default 500.");
    d.put(
        MAX_PENDING_CONFIG,
        "Bound of the pending-sample buffer; input partitions are paused above it and resumed at half. "
            + "Default 8 x batch size.");
    d.put(
        SNAPSHOT_EVERY_SAMPLES_CONFIG,
        "Publish a snapshot (with the consumed offsets, in one transaction) after this many "
            + "learned samples. Default 2048.");
    d.put(
        SNAPSHOT_EVERY_MS_CONFIG, "... or after this much time with new work, ms. Default 60000.");
    d.put(
        SNAPSHOT_MAX_REQUEST_BYTES_CONFIG,
        "Producer max.request.size used for snapshot records (a max.request.size in "
            + "the client config file wins). Default "
            + Topics.SNAPSHOT_MAX_MESSAGE_BYTES
            + " (the snapshots topic's "
            + "max.message.bytes).");
    d.put(
        PROMOTION_MARGIN_CONFIG,
        "A snapshot is promoted only if its fused prequential accuracy is at most this much below "
            + "the last promoted one's. Default 0.02.");
    d.put(
        PROMOTION_WINDOW_CONFIG,
        "The promotion gate's accuracy is over this many most recent labeled samples. Default 1000.");
    d.put(
        DRIFT_DELTA_CONFIG,
        "Page-Hinkley delta (tolerated change of the error rate). Default 0.02.");
    d.put(DRIFT_THRESHOLD_CONFIG, "Page-Hinkley lambda (detection threshold). Default 50.");
    d.put(
        DRIFT_MIN_INSTANCES_CONFIG,
        "Page-Hinkley observations before drift can be signalled. Default 30.");
    d.put(
        METRICS_PORT_CONFIG,
        "HTTP port serving /metrics (Prometheus) and /health (JSON); 0 = no server. Default 0.");
    d.put(
        METRICS_BIND_ADDRESS_CONFIG,
        "Address the metrics server binds to. Default 127.0.0.1 (this machine only).");
    d.put(
        HEALTH_STALL_MS_CONFIG,
        "/health is DOWN when the trainer made no progress for this long while the broker "
            + "reports lag on its partitions, ms. Default 30000.");
    d.put(
        SNAPSHOT_KEY_FILE_CONFIG,
        "File holding the key snapshots are signed with (HMAC-SHA256; or set "
            + SnapshotKey.ENV
            + "). With a key, unsigned or badly signed snapshots are never restored. Default: none.");
    DOCS = Collections.unmodifiableMap(d);
  }

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private final String modelName;
  private final KafkaSettings kafka;
  private final LearnerConfig learnerConfig;
  private final int batchSize;
  private final Duration batchMaxWait;
  private final int maxPendingSamples;
  private final long snapshotEverySamples;
  private final Duration snapshotEvery;
  private final int snapshotMaxRequestBytes;
  private final double promotionMargin;
  private final int promotionWindow;
  private final double driftDelta;
  private final double driftThreshold;
  private final int driftMinInstances;
  private final int metricsPort;
  private final String metricsBindAddress;
  private final Duration healthStallTimeout;
  private final Optional<SnapshotKey> snapshotKey;

  private TrainerConfig(Builder b) {
    this.modelName = require(b.modelName, MODEL_NAME_CONFIG);
    if (!MODEL_NAME.matcher(modelName).matches()) {
      throw new IllegalArgumentException(
          MODEL_NAME_CONFIG + " must be 1-200 of [A-Za-z0-9._-]: '" + modelName + "'");
    }
    this.kafka = require(b.kafka, "kafka settings");
    this.learnerConfig = require(b.learnerConfig, "learner config");
    this.batchSize = (int) atLeast(b.batchSize, 1, BATCH_SIZE_CONFIG);
    this.batchMaxWait = nonNegative(b.batchMaxWait, BATCH_MAX_WAIT_MS_CONFIG);
    int pending = b.maxPendingSamples > 0 ? b.maxPendingSamples : 8 * batchSize;
    if (pending < batchSize) {
      throw new IllegalArgumentException(
          MAX_PENDING_CONFIG
              + " ("
              + pending
              + ") must be >= "
              + BATCH_SIZE_CONFIG
              + " ("
              + batchSize
              + ")");
    }
    this.maxPendingSamples = pending;
    this.snapshotEverySamples = atLeast(b.snapshotEverySamples, 1, SNAPSHOT_EVERY_SAMPLES_CONFIG);
    this.snapshotEvery = nonNegative(b.snapshotEvery, SNAPSHOT_EVERY_MS_CONFIG);
    if (snapshotEvery.isZero()) {
      throw new IllegalArgumentException(SNAPSHOT_EVERY_MS_CONFIG + " must be > 0");
    }
    this.snapshotMaxRequestBytes =
        (int) atLeast(b.snapshotMaxRequestBytes, 1024, SNAPSHOT_MAX_REQUEST_BYTES_CONFIG);
    if (!(b.promotionMargin >= 0) || !Double.isFinite(b.promotionMargin)) {
      throw new IllegalArgumentException(
          PROMOTION_MARGIN_CONFIG + " must be a finite number >= 0: " + b.promotionMargin);
    }
    this.promotionMargin = b.promotionMargin;
    this.promotionWindow = (int) atLeast(b.promotionWindow, 1, PROMOTION_WINDOW_CONFIG);
    if (!(b.driftDelta >= 0) || !(b.driftThreshold > 0)) {
      throw new IllegalArgumentException(
          DRIFT_DELTA_CONFIG + " must be >= 0 and " + DRIFT_THRESHOLD_CONFIG + " > 0");
    }
    this.driftDelta = b.driftDelta;
    this.driftThreshold = b.driftThreshold;
    this.driftMinInstances = (int) atLeast(b.driftMinInstances, 1, DRIFT_MIN_INSTANCES_CONFIG);
    if (b.metricsPort < 0 || b.metricsPort > 65535) {
      throw new IllegalArgumentException(
          METRICS_PORT_CONFIG + " must be 0-65535: " + b.metricsPort);
    }
    this.metricsPort = b.metricsPort;
    this.metricsBindAddress = require(b.metricsBindAddress, METRICS_BIND_ADDRESS_CONFIG);
    this.healthStallTimeout = nonNegative(b.healthStallTimeout, HEALTH_STALL_MS_CONFIG);
    if (healthStallTimeout.isZero())
      throw new IllegalArgumentException(HEALTH_STALL_MS_CONFIG + " must be > 0");
    this.snapshotKey = b.snapshotKey;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the {@code streamalign.trainer.*} settings from properties (e.g. the {@code --config
   * FILE}), starting from the builder's defaults; unknown keys are ignored. The learner config and
   * Kafka settings come from the caller.
   */
  public static TrainerConfig fromProperties(
      Properties p, KafkaSettings kafka, LearnerConfig learner) {
    Builder b = builder().setKafka(kafka).optLearnerConfig(learner);
    read(p, MODEL_NAME_CONFIG, s -> s).ifPresent(b::setModelName);
    read(p, BATCH_SIZE_CONFIG, Integer::parseInt).ifPresent(b::optBatchSize);
    read(p, BATCH_MAX_WAIT_MS_CONFIG, s -> Duration.ofMillis(Long.parseLong(s)))
        .ifPresent(b::optBatchMaxWait);
    read(p, MAX_PENDING_CONFIG, Integer::parseInt).ifPresent(b::optMaxPendingSamples);
    read(p, SNAPSHOT_EVERY_SAMPLES_CONFIG, Long::parseLong).ifPresent(b::optSnapshotEverySamples);
    read(p, SNAPSHOT_EVERY_MS_CONFIG, s -> Duration.ofMillis(Long.parseLong(s)))
        .ifPresent(b::optSnapshotEvery);
    read(p, SNAPSHOT_MAX_REQUEST_BYTES_CONFIG, Integer::parseInt)
        .ifPresent(b::optSnapshotMaxRequestBytes);
    read(p, PROMOTION_MARGIN_CONFIG, Double::parseDouble).ifPresent(b::optPromotionMargin);
    read(p, PROMOTION_WINDOW_CONFIG, Integer::parseInt).ifPresent(b::optPromotionWindow);
    read(p, DRIFT_DELTA_CONFIG, Double::parseDouble).ifPresent(v -> b.driftDelta = v);
    read(p, DRIFT_THRESHOLD_CONFIG, Double::parseDouble).ifPresent(v -> b.driftThreshold = v);
    read(p, DRIFT_MIN_INSTANCES_CONFIG, Integer::parseInt).ifPresent(v -> b.driftMinInstances = v);
    read(p, METRICS_PORT_CONFIG, Integer::parseInt).ifPresent(b::optMetricsPort);
    read(p, METRICS_BIND_ADDRESS_CONFIG, s -> s).ifPresent(b::optMetricsBindAddress);
    read(p, HEALTH_STALL_MS_CONFIG, s -> Duration.ofMillis(Long.parseLong(s)))
        .ifPresent(b::optHealthStallTimeout);
    read(p, SNAPSHOT_KEY_FILE_CONFIG, s -> SnapshotKey.fromFile(java.nio.file.Path.of(s)))
        .ifPresent(b::optSnapshotKey);
    return b.build();
  }

  private static <T> java.util.Optional<T> read(
      Properties p, String key, Function<String, T> parse) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) return java.util.Optional.empty();
    try {
      return java.util.Optional.of(parse.apply(v.trim()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "invalid value for " + key + ": '" + v + "' (" + DOCS.get(key) + ")", e);
    }
  }

  public String modelName() {
    return modelName;
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  public Topics topics() {
    return kafka.topics();
  }

  public LearnerConfig learnerConfig() {
    return learnerConfig;
  }

  public int batchSize() {
    return batchSize;
  }

  public Duration batchMaxWait() {
    return batchMaxWait;
  }

  public int maxPendingSamples() {
    return maxPendingSamples;
  }

  public long snapshotEverySamples() {
    return snapshotEverySamples;
  }

  public Duration snapshotEvery() {
    return snapshotEvery;
  }

  public int snapshotMaxRequestBytes() {
    return snapshotMaxRequestBytes;
  }

  public double promotionMargin() {
    return promotionMargin;
  }

  public int promotionWindow() {
    return promotionWindow;
  }

  public double driftDelta() {
    return driftDelta;
  }

  public double driftThreshold() {
    return driftThreshold;
  }

  public int driftMinInstances() {
    return driftMinInstances;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public String metricsBindAddress() {
    return metricsBindAddress;
  }

  public Duration healthStallTimeout() {
    return healthStallTimeout;
  }

  /**
   * The key snapshots are signed with and verified against; empty: unsigned (README "Snapshot
   * trust").
   */
  public Optional<SnapshotKey> snapshotKey() {
    return snapshotKey;
  }

  /** Consumer group id: {@code "streamalign-trainer-" + modelName}. */
  public String groupId() {
    return "streamalign-trainer-" + modelName;
  }

  /**
   * Producer transactional id: {@code "streamalign-trainer-" + modelName}; one live trainer per
   * model.
   */
  public String transactionalId() {
    return "streamalign-trainer-" + modelName;
  }

  /** A builder holding this config's values, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.modelName = modelName;
    b.kafka = kafka;
    b.learnerConfig = learnerConfig;
    b.batchSize = batchSize;
    b.batchMaxWait = batchMaxWait;
    b.maxPendingSamples = maxPendingSamples;
    b.snapshotEverySamples = snapshotEverySamples;
    b.snapshotEvery = snapshotEvery;
    b.snapshotMaxRequestBytes = snapshotMaxRequestBytes;
    b.promotionMargin = promotionMargin;
    b.promotionWindow = promotionWindow;
    b.driftDelta = driftDelta;
    b.driftThreshold = driftThreshold;
    b.driftMinInstances = driftMinInstances;
    b.metricsPort = metricsPort;
    b.metricsBindAddress = metricsBindAddress;
    b.healthStallTimeout = healthStallTimeout;
    b.snapshotKey = snapshotKey;
    return b;
  }

  @Override
  public String toString() {
    return "TrainerConfig[model="
        + modelName
        + ", "
        + kafka
        + ", batch="
        + batchSize
        + "/"
        + batchMaxWait.toMillis()
        + "ms, maxPending="
        + maxPendingSamples
        + ", snapshot every "
        + snapshotEverySamples
        + " samples or "
        + snapshotEvery.toMillis()
        + "ms, maxRequest="
        + snapshotMaxRequestBytes
        + ", promotionMargin="
        + promotionMargin
        + "/"
        + promotionWindow
        + ", drift=PH("
        + driftDelta
        + ","
        + driftThreshold
        + ","
        + driftMinInstances
        + "), metrics="
        + (metricsPort == 0 ? "off" : metricsBindAddress + ":" + metricsPort)
        + ", snapshots "
        + (snapshotKey.isPresent() ? "signed" : "unsigned")
        + "]";
  }

  private static <T> T require(T v, String what) {
    if (v == null) throw new IllegalArgumentException(what + " must be set");
    return v;
  }

  private static long atLeast(long v, long min, String key) {
    if (v < min) throw new IllegalArgumentException(key + " must be >= " + min + ": " + v);
    return v;
  }

  private static Duration nonNegative(Duration d, String key) {
    if (d == null || d.isNegative())
      throw new IllegalArgumentException(key + " must be >= 0: " + d);
    return d;
  }

  /**
   * Builder of {@link TrainerConfig}: {@code setX} for required values, {@code optX} for optional
   * ones.
   */
  public static final class Builder {
    private String modelName;
    private KafkaSettings kafka;
    private LearnerConfig learnerConfig = LearnerConfig.defaults();
    private int batchSize = 32;
    private Duration batchMaxWait = Duration.ofMillis(500);
    private int maxPendingSamples;
    private long snapshotEverySamples = 2048;
    private Duration snapshotEvery = Duration.ofSeconds(60);
    private int snapshotMaxRequestBytes = Topics.SNAPSHOT_MAX_MESSAGE_BYTES;
    private double promotionMargin = 0.02;
    private int promotionWindow = 1000;
    private double driftDelta = 0.02;
    private double driftThreshold = 50.0;
    private int driftMinInstances = 30;
    private int metricsPort;
    private String metricsBindAddress = "127.0.0.1";
    private Duration healthStallTimeout = Duration.ofSeconds(30);
    private Optional<SnapshotKey> snapshotKey = Optional.empty();

    private Builder() {}

    public Builder setModelName(String name) {
      this.modelName = name;
      return this;
    }

    public Builder setKafka(KafkaSettings settings) {
      this.kafka = settings;
      return this;
    }

    public Builder optLearnerConfig(LearnerConfig cfg) {
      this.learnerConfig = Objects.requireNonNull(cfg, "learner config");
      return this;
    }

    public Builder optBatchSize(int n) {
      this.batchSize = n;
      return this;
    }

    public Builder optBatchMaxWait(Duration d) {
      this.batchMaxWait = d;
      return this;
    }

    /** 0 = 8 x batch size. */
    public Builder optMaxPendingSamples(int n) {
      this.maxPendingSamples = n;
      return this;
    }

    public Builder optSnapshotEverySamples(long n) {
      this.snapshotEverySamples = n;
      return this;
    }

    public Builder optSnapshotEvery(Duration d) {
      this.snapshotEvery = d;
      return this;
    }

    public Builder optSnapshotMaxRequestBytes(int bytes) {
      this.snapshotMaxRequestBytes = bytes;
      return this;
    }

    public Builder optPromotionMargin(double margin) {
      this.promotionMargin = margin;
      return this;
    }

    public Builder optPromotionWindow(int samples) {
      this.promotionWindow = samples;
      return this;
    }

    public Builder optDrift(double delta, double threshold, int minInstances) {
      this.driftDelta = delta;
      this.driftThreshold = threshold;
      this.driftMinInstances = minInstances;
      return this;
    }

    /** 0 = no metrics server. */
    public Builder optMetricsPort(int port) {
      this.metricsPort = port;
      return this;
    }

    public Builder optMetricsBindAddress(String address) {
      this.metricsBindAddress = address;
      return this;
    }

    public Builder optHealthStallTimeout(Duration d) {
      this.healthStallTimeout = d;
      return this;
    }

    /**
     * Signs snapshots with this key and restores only snapshots validly signed with it (null:
     * unsigned).
     */
    public Builder optSnapshotKey(SnapshotKey key) {
      this.snapshotKey = Optional.ofNullable(key);
      return this;
    }

    public TrainerConfig build() {
      return new TrainerConfig(this);
    }
  }
}
