package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@ExtendWith(EmbeddedKafkaExtension.class)
class ClusterIT {

  @Test
  void aNamedClusterIsUsedAsIs(EmbeddedKafkaBroker broker) {
    KafkaOptions kafka = new KafkaOptions();
    kafka.bootstrapServers = broker.bootstrapServers();
    try (Cluster cluster = Cluster.resolve(kafka, 1, new PrintWriter(new StringWriter()))) {
      assertTrue(cluster.embedded().isEmpty());
      assertEquals(broker.bootstrapServers(), cluster.bootstrapServers());
    }
  }

  @Test
  void withoutAClusterAnEmbeddedBrokerIsStartedWithTopicsAndRemovedOnClose() throws Exception {
    assumeTrue(
        System.getenv(KafkaSettings.BOOTSTRAP_SERVERS_ENV) == null
            && System.getenv(KafkaSettings.CONFIG_ENV) == null,
        "a cluster is named in the environment");
    KafkaOptions kafka = new KafkaOptions();
    kafka.topicPrefix = "cluster-it.";
    StringWriter err = new StringWriter();
    Path dataDir;
    try (Cluster cluster = Cluster.resolve(kafka, 1, new PrintWriter(err))) {
      EmbeddedKafkaBroker started = cluster.embedded().orElseThrow();
      dataDir = started.dataDir();
      assertEquals(started.bootstrapServers(), kafka.bootstrapServers(), "options now point at it");
      assertTrue(err.toString().contains(started.bootstrapServers()), err.toString());
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        assertTrue(names.contains("cluster-it.predictions"), names.toString());
        assertTrue(names.contains("cluster-it.model.snapshots.dlq"), names.toString());
      }
    }
    assertFalse(Files.exists(dataDir), "data directory deleted on close");
  }
}
