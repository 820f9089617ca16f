package io.streamalign.app;

import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/**
 * The Kafka options every subcommand shares, resolved into the schemas module's {@link
 * KafkaSettings} (one place for defaults and {@code STREAMALIGN_*} environment overrides).
 *
 * <p>Precedence: a flag, then the environment ({@code STREAMALIGN_BOOTSTRAP_SERVERS}, {@code
 * STREAMALIGN_TOPIC_PREFIX}, {@code STREAMALIGN_CONFIG}), then the config file, then the defaults
 * ({@code localhost:9092}, prefix {@code av.}).
 */
final class KafkaOptions {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT[,...]",
      description =
          "Kafka bootstrap servers (env STREAMALIGN_BOOTSTRAP_SERVERS; default localhost:9092; "
              + "'broker' and 'demo' start an embedded broker when none is given).")
  String bootstrapServers;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Kafka client properties file passed to every client unchanged, e.g. "
              + "security.protocol, sasl.*, ssl.* (env STREAMALIGN_CONFIG).")
  Path config;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description = "Prefix of every topic name (env STREAMALIGN_TOPIC_PREFIX; default av.).")
  String topicPrefix;

  private KafkaSettings settings;

  /** The resolved settings (flags, environment, config file, defaults). */
  KafkaSettings settings() {
    if (settings == null) {
      KafkaSettings s = KafkaSettings.load(bootstrapServers, config, env());
      if (topicPrefix != null) {
        s = s.withTopicPrefix(topicPrefix);
      }
      settings = s;
    }
    return settings;
  }

  /** Points these options at another cluster, e.g. an embedded broker just started. */
  void useBootstrapServers(String servers) {
    settings = settings().withBootstrapServers(servers);
  }

  String bootstrapServers() {
    return settings().bootstrapServers();
  }

  String topicPrefix() {
    return settings().topicPrefix();
  }

  Topics topics() {
    return settings().topics();
  }

  Properties clientProperties() {
    return settings().clientProperties();
  }

  /**
   * Whether the user named a cluster: by flag, by environment, or with {@code bootstrap.servers} in
   * the config file. Commands that can start their own broker do so only when this is false.
   */
  boolean bootstrapServersGiven() {
    if (notBlank(bootstrapServers) || notBlank(env().get(KafkaSettings.BOOTSTRAP_SERVERS_ENV))) {
      return true;
    }
    Path file = config;
    if (file == null && notBlank(env().get(KafkaSettings.CONFIG_ENV))) {
      file = Path.of(env().get(KafkaSettings.CONFIG_ENV).trim());
    }
    if (file != null && Files.isRegularFile(file)) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        return false; // settings() reports the unreadable file
      }
      return notBlank(p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }
    return false;
  }

  static Map<String, String> env() {
    return System.getenv();
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
