package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamalign broker --data-dir DIR --port P} as a real child process: killed with SIGKILL
 * and started again on the same directory and port, it serves the same cluster, topics, records and
 * committed offsets; stopped with SIGTERM it exits cleanly and keeps the data.
 */
@Tag("integration")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrokerCommandIT {

  @Test
  void aKilledBrokerRestartsOnItsDataDirectoryWithEverything(@TempDir Path tmp) throws Exception {
    Path dataDir = tmp.resolve("kafka-data");
    Path bootstrapFile = tmp.resolve("bootstrap.properties");
    int port = freePort();
    String bootstrap = "127.0.0.1:" + port;
    String topic = "av.video";

    Process first = startBroker(dataDir, port, bootstrapFile, tmp.resolve("first.log"));
    String clusterId;
    try {
      assertEquals(
          "bootstrap.servers=" + bootstrap,
          awaitBootstrapLine(bootstrapFile, first, tmp.resolve("first.log")));
      clusterId = clusterId(bootstrap);
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props(bootstrap), new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 20; i++) {
          producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
        }
      }
      try (Admin admin = Admin.create(props(bootstrap))) {
        admin
            .alterConsumerGroupOffsets(
                "broker-it", Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(12)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
    } finally {
      first.destroyForcibly(); // SIGKILL: no controlled shutdown, no clean-shutdown marker
      assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(
        Files.isRegularFile(dataDir.resolve("server.properties")),
        "Kafka's configuration is kept beside the data");

    Files.deleteIfExists(bootstrapFile); // a killed broker cannot clean up after itself
    Process second = startBroker(dataDir, port, bootstrapFile, tmp.resolve("second.log"));
    try {
      assertEquals(
          "bootstrap.servers=" + bootstrap,
          awaitBootstrapLine(bootstrapFile, second, tmp.resolve("second.log")));
      assertEquals(clusterId, clusterId(bootstrap), "same cluster after the restart");
      List<String> values = readPartitionZero(bootstrap, topic, 20);
      assertEquals(20, values.size(), "every acknowledged record survived SIGKILL: " + values);
      assertEquals("v19", values.get(19));
      try (Admin admin = Admin.create(props(bootstrap))) {
        OffsetAndMetadata committed =
            admin
                .listConsumerGroupOffsets("broker-it")
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS)
                .get(new TopicPartition(topic, 0));
        assertEquals(12, committed.offset(), "committed offsets survived");
      }
    } finally {
      second.destroy(); // SIGTERM: the shutdown hook stops the broker
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the broker stops on SIGTERM");
    }
    String log = Files.readString(tmp.resolve("second.log"), StandardCharsets.UTF_8);
    assertTrue(log.contains(dataDir.toString()) && log.contains("kept at exit"), log);
    assertFalse(Files.exists(bootstrapFile), "the bootstrap file is removed at a clean exit");
    assertTrue(
        Files.isDirectory(dataDir.resolve("kraft-combined-logs")), "data kept after a clean exit");
  }

  private static Process startBroker(Path dataDir, int port, Path bootstrapFile, Path log)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                StreamAlignCli.class.getName(),
                "broker",
                "--data-dir",
                dataDir.toString(),
                "--port",
                Integer.toString(port),
                "--partitions",
                "1",
                "--bootstrap-file",
                bootstrapFile.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static String awaitBootstrapLine(Path file, Process broker, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      if (!broker.isAlive()) {
        throw new AssertionError(
            "broker exited with " + broker.exitValue() + ":\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no bootstrap file after 120 s:\n" + Files.readString(log));
  }

  private static String clusterId(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(props(bootstrap))) {
      return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> readPartitionZero(String bootstrap, String topic, int n) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props(bootstrap), new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (values.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }

  private static Properties props(String bootstrap) {
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
