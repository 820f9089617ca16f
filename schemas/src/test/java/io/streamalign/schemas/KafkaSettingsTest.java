package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {
  @TempDir Path dir;

  private Path configFile(String text) throws IOException {
    Path f = dir.resolve("client.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsWithNothingSet() {
    KafkaSettings s = KafkaSettings.load(null, null, Map.of());
    assertEquals("localhost:9092", s.bootstrapServers());
    assertEquals("av.", s.topicPrefix());
    assertTrue(s.extraProperties().isEmpty());
    assertTrue(s.configFile().isEmpty());
    Properties p = s.clientProperties();
    assertEquals(Map.of("bootstrap.servers", "localhost:9092"), Map.copyOf(p));
  }

  @Test
  void configFileIsPassedThroughUnchangedExceptOwnKeys() throws IOException {
    Path f =
        configFile(
            """
        security.protocol=SASL_SSL
        sasl.mechanism=PLAIN
        sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";
        ssl.truststore.location=/etc/kafka/truststore.jks
        bootstrap.servers=file-broker:9093
        streamalign.topic.prefix=prod.
        """);
    KafkaSettings s = KafkaSettings.load(null, f, Map.of());
    assertEquals("file-broker:9093", s.bootstrapServers());
    assertEquals("prod.", s.topicPrefix());
    assertEquals("prod.video", s.topics().video().name());
    Properties p = s.clientProperties();
    assertEquals("SASL_SSL", p.getProperty("security.protocol"));
    assertEquals(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
        p.getProperty("sasl.jaas.config"));
    assertEquals("/etc/kafka/truststore.jks", p.getProperty("ssl.truststore.location"));
    assertFalse(p.containsKey("streamalign.topic.prefix"));
    assertEquals(f, s.configFile().orElseThrow());
    assertFalse(s.toString().contains("password"), "secrets are not printed: " + s);
  }

  @Test
  void precedenceFlagThenEnvThenFile() throws IOException {
    Path f = configFile("bootstrap.servers=file:1\nstreamalign.topic.prefix=file.\nclient.id=x\n");
    Map<String, String> env =
        Map.of(
            "STREAMALIGN_BOOTSTRAP_SERVERS",
            "env:2",
            "STREAMALIGN_TOPIC_PREFIX",
            "env.",
            "STREAMALIGN_CONFIG",
            f.toString());
    KafkaSettings fromEnv = KafkaSettings.load(null, null, env);
    assertEquals("env:2", fromEnv.bootstrapServers());
    assertEquals("env.", fromEnv.topicPrefix());
    assertEquals(
        "x",
        fromEnv.clientProperties().getProperty("client.id"),
        "STREAMALIGN_CONFIG names the file");

    assertEquals(
        "file.",
        KafkaSettings.load(null, f, Map.of("STREAMALIGN_TOPIC_PREFIX", " ")).topicPrefix(),
        "a blank env variable counts as unset");
    KafkaSettings flag = KafkaSettings.load("flag:3", null, env);
    assertEquals("flag:3", flag.bootstrapServers());

    Path other = dir.resolve("other.properties");
    Files.writeString(other, "client.id=y\n");
    assertEquals(
        "y",
        KafkaSettings.load(null, other, env).clientProperties().getProperty("client.id"),
        "an explicit --config wins over STREAMALIGN_CONFIG");
  }

  @Test
  void badInputGivesConfigException() {
    assertThrows(
        ConfigException.class,
        () -> KafkaSettings.load(null, dir.resolve("missing.properties"), Map.of()));
    assertThrows(
        ConfigException.class, () -> KafkaSettings.builder().setBootstrapServers(" ").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> KafkaSettings.load(null, null, Map.of("STREAMALIGN_TOPIC_PREFIX", "bad prefix")));
  }

  @Test
  void immutableCopies() {
    KafkaSettings a =
        KafkaSettings.builder().setBootstrapServers("a:1").optClientProperty("acks", "all").build();
    KafkaSettings b = a.withBootstrapServers("b:2").withTopicPrefix("t.");
    assertEquals("a:1", a.bootstrapServers());
    assertEquals("av.", a.topicPrefix());
    assertEquals("b:2", b.bootstrapServers());
    assertEquals("t.", b.topicPrefix());
    assertEquals("all", b.clientProperties().getProperty("acks"));
    a.clientProperties().setProperty("acks", "0");
    assertEquals("all", a.clientProperties().getProperty("acks"));
    assertThrows(UnsupportedOperationException.class, () -> a.extraProperties().put("k", "v"));
  }
}
