package io.streamalign.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats a broker's storage the way {@code kafka-storage.sh format --ignore-formatted} does: the
 * same {@link Formatter} the storage tool drives, fed from the broker's own {@link KafkaConfig}.
 *
 * <p>A fresh directory gets a new random cluster id ({@code kafka-storage.sh random-uuid}) and the
 * bootstrap metadata of the latest production metadata version; a directory that is already
 * formatted keeps its cluster id (read back from its {@code meta.properties}, as an operator passes
 * the same {@code -t CLUSTER_ID} again), so a broker restarted on its data keeps its cluster,
 * topics and records. The quorum is a single static voter ({@code controller.quorum.voters}, see
 * {@link BrokerConfig}), so nothing about the controller's address is written into the metadata
 * log: a restart may use another controller port.
 */
final class StorageFormat {

  private static final Logger LOG = LoggerFactory.getLogger(StorageFormat.class);

  private StorageFormat() {}

  /**
   * Formats every log directory of {@code config} that is not formatted yet; returns the cluster
   * id.
   */
  static String formatIfNeeded(KafkaConfig config) throws Exception {
    TreeSet<String> directories = new TreeSet<>(config.logDirs());
    directories.add(config.metadataLogDir());
    String clusterId =
        new MetaPropertiesEnsemble.Loader()
            .addLogDirs(directories)
            .addMetadataLogDir(config.metadataLogDir())
            .load()
            .clusterId()
            .orElseGet(() -> Uuid.randomUuid().toString());
    // The storage tool prints its progress; keep it off the command's own standard output
    // (scripts read the `bootstrap.servers=` line `streamalign broker` prints there).
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    Formatter formatter =
        new Formatter()
            .setPrintStream(new PrintStream(progress, true, StandardCharsets.UTF_8))
            .setNodeId(config.nodeId())
            .setClusterId(clusterId)
            .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
            .setIgnoreFormatted(true)
            .setControllerListenerName(config.controllerListenerNames().get(0))
            .setMetadataLogDirectory(config.metadataLogDir())
            .setHasDynamicQuorum(config.quorumConfig().voters().isEmpty());
    directories.forEach(formatter::addDirectory);
    try {
      formatter.run();
      return clusterId;
    } finally {
      LOG.debug("Kafka storage format: {}", progress.toString(StandardCharsets.UTF_8).trim());
    }
  }
}
