package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The pairing state directory is keyed by the id the running cluster reports. */
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@ExtendWith(EmbeddedKafkaExtension.class)
class StateDirectoryIT {

  @Test
  void keyedByTheClusterIdTheBrokerReports(EmbeddedKafkaBroker broker, @TempDir Path base) {
    assertEquals(
        broker.clusterId(),
        StateDirectory.clusterId(broker.clientProperties(), Duration.ofSeconds(30)));
    assertEquals(
        base.resolve("cluster-" + broker.clusterId()),
        StateDirectory.resolve(base, broker.clientProperties(), Duration.ofSeconds(30)));
  }
}
