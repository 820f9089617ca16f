package io.streamalign.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
 * A broker on a data directory the caller gives keeps its cluster, topics, records and offsets
 * across restarts.
 */
@Tag("integration")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EmbeddedKafkaBrokerRestartIT {

  private static final String TOPIC = "restart.it";
  private static final String GROUP = "restart-it-group";

  @Test
  void restartOnTheSameDataDirectoryAndPortKeepsEverything(@TempDir Path dataDir) throws Exception {
    String clusterId;
    int port;
    try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().optDataDir(dataDir).start()) {
      assertTrue(first.isPersistent());
      clusterId = first.clusterId();
      port = first.port();
      try (Admin admin = first.admin()) {
        admin
            .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      Properties producer = first.clientProperties();
      producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "restart-it");
      try (KafkaProducer<String, String> p =
          new KafkaProducer<>(producer, new StringSerializer(), new StringSerializer())) {
        p.initTransactions();
        p.beginTransaction();
        for (int i = 0; i < 10; i++) {
          p.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
        }
        p.commitTransaction();
      }
      assertEquals(10, consume(first, 10).size());
      try (Admin admin = first.admin()) {
        admin
            .alterConsumerGroupOffsets(
                GROUP, Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(3)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
    }
    // Kafka's quick-start layout: the configuration it ran with, and formatted storage.
    assertTrue(Files.isRegularFile(dataDir.resolve("server.properties")));
    assertTrue(
        Files.isRegularFile(dataDir.resolve("kraft-combined-logs").resolve("meta.properties")));

    try (EmbeddedKafkaBroker second =
        EmbeddedKafkaBroker.builder().optDataDir(dataDir).optPort(port).start()) {
      assertEquals(clusterId, second.clusterId(), "the storage is not formatted again");
      assertEquals(port, second.port());
      List<ConsumerRecord<String, String>> again = consume(second, 10);
      assertEquals(10, again.size());
      assertTrue(again.stream().anyMatch(r -> "v7".equals(r.value())));
      try (Admin admin = second.admin()) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin
                .listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        assertNotNull(offsets.get(new TopicPartition(TOPIC, 0)));
        assertEquals(3, offsets.get(new TopicPartition(TOPIC, 0)).offset());
      }

      // Kafka locks the directory: a second broker on it fails with a clear error, and the first
      // runs on.
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> EmbeddedKafkaBroker.builder().optDataDir(dataDir).start().close());
      assertTrue(e.getMessage().contains(dataDir.toString()), e.getMessage());
      assertEquals(10, consume(second, 10).size());
    }
    assertTrue(Files.isDirectory(dataDir), "a data directory given by the caller survives close");
  }

  @Test
  void aFreshDirectoryGetsANewCluster(@TempDir Path a, @TempDir Path b) {
    String first;
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().optDataDir(a.resolve("x")).start()) {
      first = broker.clusterId();
    }
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().optDataDir(b.resolve("y")).start()) {
      assertNotEquals(first, broker.clusterId());
    }
  }

  @Test
  void aTakenFixedPortFailsWithABindError() {
    try (EmbeddedKafkaBroker running = EmbeddedKafkaBroker.start()) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> EmbeddedKafkaBroker.builder().optPort(running.port()).start().close());
      assertTrue(
          e.getMessage().contains("port " + running.port())
              && e.getMessage().contains("already in use"),
          e.getMessage());
      boolean bind = false;
      for (Throwable t = e; t != null; t = t.getCause()) {
        bind |= t instanceof java.net.BindException;
      }
      assertTrue(bind, "the cause chain holds the BindException");
    }
  }

  private static List<ConsumerRecord<String, String>> consume(EmbeddedKafkaBroker broker, int n) {
    Properties props = broker.clientProperties();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions =
          List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
