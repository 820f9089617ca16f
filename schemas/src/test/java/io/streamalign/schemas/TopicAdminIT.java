package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TopicAdmin} against a real single-node KRaft broker. */
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TopicAdminIT {
  private static KafkaClusterTestKit cluster;
  private static Admin admin;

  @BeforeAll
  static void startBroker() throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
            .build();
    cluster =
        new KafkaClusterTestKit.Builder(nodes)
            .setDeleteOnClose(true)
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("num.network.threads", "2")
            .setConfigProp("num.io.threads", "2")
            .setConfigProp("log.cleaner.threads", "1")
            .setConfigProp("log.cleaner.dedupe.buffer.size", "2097152")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void createsEveryTopicAndDlqWithConfigsAndIsIdempotent() throws Exception {
    Topics topics = Topics.withPrefix("it-admin.");
    Set<String> expected =
        topics.allWithDeadLetters().stream().map(Topic::name).collect(Collectors.toSet());
    assertEquals(20, expected.size());

    Set<String> created = TopicAdmin.createAll(admin, topics, 2, (short) 1);
    assertEquals(expected, created);
    // all exist when createAll returns: it waits for completion
    assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(expected));

    Map<String, TopicDescription> described =
        admin.describeTopics(expected).allTopicNames().get(30, TimeUnit.SECONDS);
    described.values().forEach(d -> assertEquals(2, d.partitions().size(), d.name()));

    ConfigResource snaps = new ConfigResource(ConfigResource.Type.TOPIC, topics.snapshots().name());
    ConfigResource metrics = new ConfigResource(ConfigResource.Type.TOPIC, topics.metrics().name());
    ConfigResource snapsDlq =
        new ConfigResource(ConfigResource.Type.TOPIC, topics.snapshots().dlq());
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(List.of(snaps, metrics, snapsDlq)).all().get(30, TimeUnit.SECONDS);
    assertEquals("compact", configs.get(snaps).get("cleanup.policy").value());
    assertEquals("67108864", configs.get(snaps).get("max.message.bytes").value());
    assertEquals(
        Long.toString(Topics.METRICS_RETENTION_MS),
        configs.get(metrics).get("retention.ms").value());
    assertEquals(
        Integer.toString(Topics.DEAD_LETTER_MAX_MESSAGE_BYTES),
        configs.get(snapsDlq).get("max.message.bytes").value());

    // a second run (another service starting) creates nothing and does not fail
    assertEquals(Set.of(), TopicAdmin.createAll(admin, topics, 2, (short) 1));
  }

  @Test
  void aTopicTheClusterRejectsIsAClearError() {
    // replication 3 on a one-broker cluster cannot be satisfied
    KafkaException e =
        assertThrows(
            KafkaException.class,
            () -> TopicAdmin.createAll(admin, Topics.withPrefix("it-bad."), 1, (short) 3));
    assertTrue(e.getMessage().startsWith("cannot create topic it-bad."), e.getMessage());
  }
}
