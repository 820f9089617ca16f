package io.streamalign.schemas;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;

/**
 * Where the Kafka cluster is and how to talk to it: the typed base of every service's
 * configuration.
 *
 * <p>Three settings, each resolved in one place by {@link #load(String, Path, Map)}, the first
 * source that sets it winning:
 *
 * <ul>
 *   <li>bootstrap servers: the explicit argument (a {@code --bootstrap-servers} flag), env {@value
 *       #BOOTSTRAP_SERVERS_ENV}, {@code bootstrap.servers} in the config file, else {@value
 *       #DEFAULT_BOOTSTRAP_SERVERS};
 *   <li>topic prefix: env {@value #TOPIC_PREFIX_ENV} (if not blank), {@value
 *       #TOPIC_PREFIX_PROPERTY} in the config file, else {@value Topics#DEFAULT_PREFIX};
 *   <li>client properties: the config file (the explicit argument, a {@code --config FILE} flag,
 *       else env {@value #CONFIG_ENV}), a Java properties file passed to every client unchanged,
 *       e.g. {@code security.protocol}, {@code sasl.jaas.config}, {@code ssl.truststore.location};
 *       keys starting with {@value #OWN_PREFIX} are StreamAlign's own and are not passed on.
 * </ul>
 *
 * <p>Immutable. Build one directly with {@link #builder()}.
 */
public final class KafkaSettings {
  /** Env variable: bootstrap servers, e.g. {@code broker1:9092,broker2:9092}. */
  public static final String BOOTSTRAP_SERVERS_ENV = "STREAMALIGN_BOOTSTRAP_SERVERS";

  /** Env variable: topic name prefix. */
  public static final String TOPIC_PREFIX_ENV = "STREAMALIGN_TOPIC_PREFIX";

  /** Env variable: path of the client properties file. */
  public static final String CONFIG_ENV = "STREAMALIGN_CONFIG";

  /** Config file key of the topic prefix. */
  public static final String TOPIC_PREFIX_PROPERTY = "streamalign.topic.prefix";

  /** Config file keys with this prefix configure StreamAlign, not the Kafka clients. */
  public static final String OWN_PREFIX = "streamalign.";

  /** Bootstrap servers when nothing else says. */
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

  private final String bootstrapServers;
  private final String topicPrefix;
  private final Map<String, String> extra;
  private final Path configFile;

  private KafkaSettings(Builder b) {
    if (b.bootstrapServers == null || b.bootstrapServers.isBlank()) {
      throw new ConfigException(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
          b.bootstrapServers,
          "bootstrap servers must be set (host:port[,host:port...])");
    }
    this.bootstrapServers = b.bootstrapServers.trim();
    this.topicPrefix = b.topicPrefix;
    Topics.withPrefix(topicPrefix); // validates
    this.extra = Map.copyOf(new TreeMap<>(b.extra));
    this.configFile = b.configFile;
  }

  /**
   * Resolves the settings from an explicit bootstrap address, a config file and the environment.
   *
   * @param bootstrap explicit bootstrap servers (a command-line flag), or null
   * @param configFile explicit client properties file (a command-line flag), or null
   * @param env the environment, usually {@code System.getenv()}
   * @throws ConfigException if the config file cannot be read or a value is invalid
   */
  public static KafkaSettings load(String bootstrap, Path configFile, Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    Path file = configFile;
    if (file == null && notBlank(env.get(CONFIG_ENV))) {
      file = Path.of(env.get(CONFIG_ENV).trim());
    }
    Properties fromFile = new Properties();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("config file " + file + " does not exist or is not a file");
      }
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        fromFile.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
    }
    Builder b = builder().optConfigFile(file);
    for (String key : fromFile.stringPropertyNames()) {
      if (!key.startsWith(OWN_PREFIX)
          && !key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
        b.optClientProperty(key, fromFile.getProperty(key));
      }
    }
    String servers =
        firstNonBlank(
            bootstrap,
            env.get(BOOTSTRAP_SERVERS_ENV),
            fromFile.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
            DEFAULT_BOOTSTRAP_SERVERS);
    // a blank env variable counts as unset (compose files often pass VAR= through); an empty prefix
    // can still be chosen in the config file
    String prefix =
        notBlank(env.get(TOPIC_PREFIX_ENV))
            ? env.get(TOPIC_PREFIX_ENV).trim()
            : fromFile.getProperty(TOPIC_PREFIX_PROPERTY, Topics.DEFAULT_PREFIX).trim();
    return b.setBootstrapServers(servers).optTopicPrefix(prefix).build();
  }

  /** Settings from the environment only (no flags). */
  public static KafkaSettings fromEnv() {
    return load(null, null, System.getenv());
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (notBlank(v)) {
        return v.trim();
      }
    }
    return null;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String topicPrefix() {
    return topicPrefix;
  }

  /** The topic registry under this prefix. */
  public Topics topics() {
    return Topics.withPrefix(topicPrefix);
  }

  /** The config file the extra properties came from, if any. */
  public Optional<Path> configFile() {
    return Optional.ofNullable(configFile);
  }

  /** The extra client properties (from the config file), unmodifiable. */
  public Map<String, String> extraProperties() {
    return extra;
  }

  /**
   * Properties for any Kafka client: the extra properties plus {@code bootstrap.servers}. A new
   * object each call, for the caller to add client-specific settings to.
   */
  public Properties clientProperties() {
    Properties p = new Properties();
    p.putAll(extra);
    p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  /** A copy pointing at other bootstrap servers (e.g. an embedded broker). */
  public KafkaSettings withBootstrapServers(String servers) {
    return toBuilder().setBootstrapServers(servers).build();
  }

  /** A copy with another topic prefix. */
  public KafkaSettings withTopicPrefix(String prefix) {
    return toBuilder().optTopicPrefix(prefix).build();
  }

  private Builder toBuilder() {
    Builder b =
        builder()
            .setBootstrapServers(bootstrapServers)
            .optTopicPrefix(topicPrefix)
            .optConfigFile(configFile);
    b.extra.putAll(extra);
    return b;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    // values of extra properties may be secrets (sasl.jaas.config, passwords): print keys only
    return "KafkaSettings[bootstrapServers="
        + bootstrapServers
        + ", topicPrefix="
        + topicPrefix
        + ", extraProperties="
        + extra.keySet()
        + (configFile == null ? "" : ", configFile=" + configFile)
        + "]";
  }

  /** Builder: {@code setX} for required values, {@code optX} for optional ones. */
  public static final class Builder {
    private String bootstrapServers;
    private String topicPrefix = Topics.DEFAULT_PREFIX;
    private final Map<String, String> extra = new TreeMap<>();
    private Path configFile;

    private Builder() {}

    public Builder setBootstrapServers(String servers) {
      this.bootstrapServers = servers;
      return this;
    }

    public Builder optTopicPrefix(String prefix) {
      this.topicPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** Adds a client property passed to every client unchanged. */
    public Builder optClientProperty(String key, String value) {
      extra.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder optConfigFile(Path file) {
      this.configFile = file;
      return this;
    }

    public KafkaSettings build() {
      return new KafkaSettings(this);
    }
  }
}
