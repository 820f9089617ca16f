package io.streamalign.serving;

import io.streamalign.schemas.KafkaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Typed configuration of the serving service, in the manner of Kafka's {@code StreamsConfig}: each
 * setting has a name constant, a doc string, a default and a validator in one place.
 *
 * <p>Build one with {@link #builder(KafkaSettings)} ({@code setX} for required values, {@code optX}
 * for optional ones) or from string properties with {@link #fromMap(Map, KafkaSettings)}, which is
 * what the CLI uses; {@link #fromMap} also reads the environment overrides listed in {@link #ENV}.
 */
public final class ServingConfig {

  /** Name of the model to follow (the key of {@code av.model.snapshots}). */
  public static final String MODEL_NAME = "serving.model.name";

  /** Serve only snapshots flagged {@code promoted} (default true). */
  public static final String PROMOTED_ONLY = "serving.promoted.only";

  /** Largest micro-batch predicted at once (default 64). */
  public static final String BATCH_SIZE = "serving.batch.size";

  /**
   * Longest time a record waits for its micro-batch to fill while the previous transaction is still
   * committing, in ms (default 5). While the committer is idle a batch is predicted at once, so a
   * lightly loaded stream never waits for it; under load the batches fill meanwhile (README
   * "Guarantees").
   */
  public static final String BATCH_MAX_WAIT_MS = "serving.batch.max.wait.ms";

  /** Number of class scores in each prediction's topK (default 3). */
  public static final String TOP_K = "serving.top.k";

  /** HTTP port; 0 turns HTTP off, -1 picks a free port (default 0). */
  public static final String HTTP_PORT = "serving.http.port";

  /** Address the HTTP server binds to (default 127.0.0.1: loopback only). */
  public static final String HTTP_HOST = "serving.http.host";

  /** Consumer group id and transactional.id prefix; instances with the same id share partitions. */
  public static final String APPLICATION_ID = "serving.application.id";

  /** Stable instance id (suffix of transactional.id); default a random UUID per start. */
  public static final String INSTANCE_ID = "serving.instance.id";

  /** Snapshot format versions this build can load (comma separated, default "1"). */
  public static final String FORMAT_VERSIONS = "serving.format.versions";

  /** Support examples kept per class and modality for re-enrollment (default 50, newest kept). */
  public static final String SUPPORT_PER_CLASS = "serving.support.per.class";

  /**
   * File holding the snapshot key (HMAC-SHA256); else STREAMALIGN_SNAPSHOT_KEY(_FILE); default
   * none.
   */
  public static final String SNAPSHOT_KEY_FILE = "serving.snapshot.key.file";

  /** Also publish each prediction as JSON to {@code <prefix>predictions.json} (default false). */
  public static final String JSON_MIRROR = "serving.json.mirror";

  /** Documentation of every setting, by name. */
  public static final Map<String, String> DOCS;

  /** Environment variables mapped onto settings (one place). */
  public static final Map<String, String> ENV;

  static {
    Map<String, String> docs = new LinkedHashMap<>();
    docs.put(
        MODEL_NAME,
        "Name of the model to follow (key of av.model.snapshots). Default 'streamalign'.");
    docs.put(PROMOTED_ONLY, "Serve only snapshots flagged promoted. Default true.");
    docs.put(BATCH_SIZE, "Largest micro-batch predicted at once. Default 64.");
    docs.put(
        BATCH_MAX_WAIT_MS,
        "Longest wait for a micro-batch to fill while the previous transaction commits, ms (an idle loop predicts at once). Default 5.");
    docs.put(TOP_K, "Class scores per prediction. Default 3.");
    docs.put(HTTP_PORT, "HTTP port; 0 = off, -1 = any free port. Default 0.");
    docs.put(HTTP_HOST, "HTTP bind address. Default 127.0.0.1 (loopback only).");
    docs.put(
        APPLICATION_ID,
        "Consumer group id / transactional.id prefix. Default 'streamalign-serving'.");
    docs.put(
        INSTANCE_ID, "Stable instance id (transactional.id suffix). Default: random per start.");
    docs.put(FORMAT_VERSIONS, "Snapshot format versions accepted, comma separated. Default 1.");
    docs.put(SUPPORT_PER_CLASS, "Support examples kept per class and modality. Default 50.");
    docs.put(
        JSON_MIRROR,
        "Also publish every prediction as a JSON object to <prefix>predictions.json (kcat, jq). Default false.");
    docs.put(
        SNAPSHOT_KEY_FILE,
        "File with the key snapshots must be signed with (or set STREAMALIGN_SNAPSHOT_KEY); "
            + "with a key, unsigned or badly signed snapshots are rejected. Default: none.");
    DOCS = Map.copyOf(docs);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("STREAMALIGN_MODEL_NAME", MODEL_NAME);
    env.put("STREAMALIGN_SERVING_HTTP_PORT", HTTP_PORT);
    env.put("STREAMALIGN_SERVING_HTTP_HOST", HTTP_HOST);
    env.put("STREAMALIGN_SERVING_APPLICATION_ID", APPLICATION_ID);
    env.put("STREAMALIGN_SERVING_INSTANCE_ID", INSTANCE_ID);
    env.put("STREAMALIGN_SERVING_JSON_MIRROR", JSON_MIRROR);
    ENV = Map.copyOf(env);
  }

  private final KafkaSettings kafka;
  private final String modelName;
  private final boolean promotedOnly;
  private final int batchSize;
  private final Duration batchMaxWait;
  private final int topK;
  private final int httpPort;
  private final String httpHost;
  private final String httpToken;
  private final String applicationId;
  private final String instanceId;
  private final Set<Integer> formatVersions;
  private final int supportPerClass;
  private final boolean jsonMirror;
  private final boolean stableInstanceId;
  private final java.util.Optional<io.streamalign.records.SnapshotKey> snapshotKey;

  private ServingConfig(Builder b) {
    this.kafka = Objects.requireNonNull(b.kafka, "kafka settings");
    this.modelName = requireText(b.modelName, MODEL_NAME);
    this.promotedOnly = b.promotedOnly;
    this.batchSize = requireRange(b.batchSize, 1, 100_000, BATCH_SIZE);
    this.batchMaxWait = Objects.requireNonNull(b.batchMaxWait, BATCH_MAX_WAIT_MS);
    if (batchMaxWait.isNegative())
      throw new IllegalArgumentException(BATCH_MAX_WAIT_MS + " must be >= 0");
    this.topK = requireRange(b.topK, 1, 1000, TOP_K);
    this.httpPort = requireRange(b.httpPort, -1, 65535, HTTP_PORT);
    this.httpHost = requireText(b.httpHost, HTTP_HOST);
    this.httpToken = b.httpToken == null || b.httpToken.isBlank() ? null : b.httpToken.strip();
    this.applicationId = requireText(b.applicationId, APPLICATION_ID);
    this.instanceId =
        b.instanceId == null
            ? UUID.randomUUID().toString()
            : requireText(b.instanceId, INSTANCE_ID);
    if (b.formatVersions.isEmpty())
      throw new IllegalArgumentException(FORMAT_VERSIONS + " must not be empty");
    this.formatVersions = Set.copyOf(b.formatVersions);
    this.supportPerClass = requireRange(b.supportPerClass, 1, 100_000, SUPPORT_PER_CLASS);
    this.jsonMirror = b.jsonMirror;
    this.stableInstanceId = b.instanceId != null;
    this.snapshotKey =
        b.snapshotKey != null
            ? java.util.Optional.of(b.snapshotKey)
            : io.streamalign.records.SnapshotKey.configured(null, System.getenv());
  }

  /** A builder with every optional value at its default. */
  public static Builder builder(KafkaSettings kafka) {
    return new Builder(kafka);
  }

  /**
   * Reads the settings named by the constants of this class from {@code props}, after applying the
   * environment overrides of {@link #ENV}; unknown keys are ignored.
   */
  public static ServingConfig fromMap(Map<String, String> props, KafkaSettings kafka) {
    Map<String, String> p = new LinkedHashMap<>(props);
    ENV.forEach(
        (env, key) -> {
          String v = System.getenv(env);
          if (v != null && !v.isBlank()) p.put(key, v);
        });
    Builder b = builder(kafka);
    if (p.containsKey(MODEL_NAME)) b.setModelName(p.get(MODEL_NAME));
    if (p.containsKey(PROMOTED_ONLY))
      b.optPromotedOnly(Boolean.parseBoolean(p.get(PROMOTED_ONLY).trim()));
    if (p.containsKey(BATCH_SIZE)) b.optBatchSize(parseInt(p, BATCH_SIZE));
    if (p.containsKey(BATCH_MAX_WAIT_MS))
      b.optBatchMaxWait(Duration.ofMillis(parseInt(p, BATCH_MAX_WAIT_MS)));
    if (p.containsKey(TOP_K)) b.optTopK(parseInt(p, TOP_K));
    if (p.containsKey(HTTP_PORT)) b.optHttpPort(parseInt(p, HTTP_PORT));
    if (p.containsKey(HTTP_HOST)) b.optHttpHost(p.get(HTTP_HOST).trim());
    if (p.containsKey(APPLICATION_ID)) b.optApplicationId(p.get(APPLICATION_ID).trim());
    if (p.containsKey(INSTANCE_ID)) b.optInstanceId(p.get(INSTANCE_ID).trim());
    if (p.containsKey(SUPPORT_PER_CLASS)) b.optSupportPerClass(parseInt(p, SUPPORT_PER_CLASS));
    if (p.containsKey(JSON_MIRROR))
      b.optJsonMirror(Boolean.parseBoolean(p.get(JSON_MIRROR).trim()));
    if (p.containsKey(SNAPSHOT_KEY_FILE)) {
      b.optSnapshotKey(
          io.streamalign.records.SnapshotKey.fromFile(
              java.nio.file.Path.of(p.get(SNAPSHOT_KEY_FILE).trim())));
    }
    if (p.containsKey(FORMAT_VERSIONS)) {
      Set<Integer> versions = new TreeSet<>();
      for (String s : p.get(FORMAT_VERSIONS).split(",")) {
        if (!s.isBlank()) versions.add(Integer.parseInt(s.trim()));
      }
      b.optFormatVersions(versions);
    }
    return b.build();
  }

  private static int parseInt(Map<String, String> p, String key) {
    try {
      return Integer.parseInt(p.get(key).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + p.get(key) + "'", e);
    }
  }

  private static String requireText(String s, String key) {
    if (s == null || s.isBlank()) throw new IllegalArgumentException(key + " must not be empty");
    return s;
  }

  private static int requireRange(int v, int min, int max, String key) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  public KafkaSettings kafka() {
    return kafka;
  }

  public String modelName() {
    return modelName;
  }

  public boolean promotedOnly() {
    return promotedOnly;
  }

  public int batchSize() {
    return batchSize;
  }

  public Duration batchMaxWait() {
    return batchMaxWait;
  }

  public int topK() {
    return topK;
  }

  /** HTTP port: 0 = off, -1 = any free port. */
  public int httpPort() {
    return httpPort;
  }

  public String httpHost() {
    return httpHost;
  }

  /** The bearer token POST /predict must carry (README "HTTP security"); empty = none asked. */
  public java.util.Optional<String> httpToken() {
    return java.util.Optional.ofNullable(httpToken);
  }

  public String applicationId() {
    return applicationId;
  }

  public String instanceId() {
    return instanceId;
  }

  public Set<Integer> formatVersions() {
    return formatVersions;
  }

  public int supportPerClass() {
    return supportPerClass;
  }

  public boolean jsonMirror() {
    return jsonMirror;
  }

  /**
   * True when {@link #INSTANCE_ID} was set: the prediction consumer then uses it for static group
   * membership, so a restarted instance takes its partitions back at once (README "Recovery after a
   * crash").
   */
  public boolean stableInstanceId() {
    return stableInstanceId;
  }

  /**
   * The key snapshots must be signed with; empty: signatures are not checked (README "Snapshot
   * trust").
   */
  public java.util.Optional<io.streamalign.records.SnapshotKey> snapshotKey() {
    return snapshotKey;
  }

  /** The transactional.id of this instance's prediction producer. */
  public String transactionalId() {
    return applicationId + "-" + instanceId;
  }

  @Override
  public String toString() {
    return "ServingConfig{model="
        + modelName
        + ", promotedOnly="
        + promotedOnly
        + ", batch="
        + batchSize
        + "/"
        + batchMaxWait.toMillis()
        + "ms, topK="
        + topK
        + ", http="
        + httpHost
        + ":"
        + httpPort
        + (httpToken == null ? "" : " (token)")
        + ", applicationId="
        + applicationId
        + ", instanceId="
        + instanceId
        + ", formatVersions="
        + formatVersions
        + ", jsonMirror="
        + jsonMirror
        + "}";
  }

  /** Builder: {@code setX} for required values, {@code optX} for optional ones. */
  public static final class Builder {
    private final KafkaSettings kafka;
    private String modelName = "streamalign";
    private boolean promotedOnly = true;
    private int batchSize = 64;
    private Duration batchMaxWait = Duration.ofMillis(5);
    private int topK = 3;
    private int httpPort = 0;
    private String httpHost = "127.0.0.1";
    private String httpToken;
    private String applicationId = "streamalign-serving";
    private String instanceId;
    private Set<Integer> formatVersions = Set.of(1);
    private int supportPerClass = 50;
    private boolean jsonMirror;
    private io.streamalign.records.SnapshotKey snapshotKey;

    private Builder(KafkaSettings kafka) {
      this.kafka = kafka;
    }

    public Builder setModelName(String v) {
      this.modelName = v;
      return this;
    }

    public Builder optPromotedOnly(boolean v) {
      this.promotedOnly = v;
      return this;
    }

    public Builder optBatchSize(int v) {
      this.batchSize = v;
      return this;
    }

    public Builder optBatchMaxWait(Duration v) {
      this.batchMaxWait = v;
      return this;
    }

    public Builder optTopK(int v) {
      this.topK = v;
      return this;
    }

    public Builder optHttpPort(int v) {
      this.httpPort = v;
      return this;
    }

    public Builder optHttpHost(String v) {
      this.httpHost = v;
      return this;
    }

    public Builder optHttpToken(String v) {
      this.httpToken = v;
      return this;
    }

    public Builder optApplicationId(String v) {
      this.applicationId = v;
      return this;
    }

    public Builder optInstanceId(String v) {
      this.instanceId = v;
      return this;
    }

    public Builder optFormatVersions(Set<Integer> v) {
      this.formatVersions = Set.copyOf(v);
      return this;
    }

    public Builder optSupportPerClass(int v) {
      this.supportPerClass = v;
      return this;
    }

    /**
     * Also publish every prediction as JSON to {@code <prefix>predictions.json} (subscribers
     * without Avro).
     */
    public Builder optJsonMirror(boolean v) {
      this.jsonMirror = v;
      return this;
    }

    /**
     * Requires snapshots signed with this key (default: STREAMALIGN_SNAPSHOT_KEY(_FILE), else
     * none).
     */
    public Builder optSnapshotKey(io.streamalign.records.SnapshotKey v) {
      this.snapshotKey = v;
      return this;
    }

    public ServingConfig build() {
      return new ServingConfig(this);
    }
  }
}
