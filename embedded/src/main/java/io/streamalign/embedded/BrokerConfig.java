package io.streamalign.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code server.properties} of an {@link EmbeddedKafkaBroker}: Kafka's quick-start KRaft
 * configuration (one node, {@code process.roles=broker,controller}) bound to the loopback
 * interface, plus what StreamAlign needs on one node.
 *
 * <p>StreamAlign's needs: transactions (exactly-once snapshot publishing) and Kafka Streams
 * (replication factor 1 and {@code min.insync.replicas} 1 for every internal topic, no initial
 * rebalance delay), model snapshots up to 64 MiB, and no automatic topic creation, so a wrong topic
 * name fails loudly instead of silently creating an empty topic.
 *
 * <p>The controller quorum is one static voter ({@code controller.quorum.voters}) rather than the
 * quick start's {@code --standalone} dynamic quorum, which records the controller's address in the
 * metadata log: with a static voter a broker restarted on its data may take any free controller
 * port.
 */
final class BrokerConfig {

  /**
   * The file written into the data directory, readable by Kafka's own {@code
   * kafka-server-start.sh}.
   */
  static final String FILE_NAME = "server.properties";

  /** Sub-directory of the data directory holding the logs and the metadata log. */
  static final String LOG_DIR_NAME = "kraft-combined-logs";

  static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024 + 1024 * 1024;

  private static final int NODE_ID = 1;
  private static final String CLIENT_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String HOST = "127.0.0.1";

  private final Properties properties;
  private final int clientPort;
  private final int controllerPort;

  private BrokerConfig(Properties properties, int clientPort, int controllerPort) {
    this.properties = properties;
    this.clientPort = clientPort;
    this.controllerPort = controllerPort;
  }

  /**
   * The configuration of a broker keeping its data in {@code dataDir}, its client listener on
   * {@code clientPort} (0: a free port) and its controller on a free port, with {@code overrides}
   * applied last.
   */
  static BrokerConfig create(Path dataDir, int clientPort, Map<String, String> overrides) {
    int client = clientPort > 0 ? clientPort : freePort();
    int controller = freePort();
    while (controller == client) {
      controller = freePort();
    }
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controller);
    p.put(
        "listeners",
        CLIENT_LISTENER
            + "://"
            + HOST
            + ":"
            + client
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controller);
    p.put("advertised.listeners", CLIENT_LISTENER + "://" + HOST + ":" + client);
    p.put("inter.broker.listener.name", CLIENT_LISTENER);
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put(
        "listener.security.protocol.map",
        CONTROLLER_LISTENER + ":PLAINTEXT," + CLIENT_LISTENER + ":PLAINTEXT");
    p.put("log.dirs", dataDir.resolve(LOG_DIR_NAME).toString());
    p.putAll(streamAlignDefaults());
    p.putAll(overrides);
    return new BrokerConfig(p, client, controller);
  }

  /** The broker settings StreamAlign needs on one node. */
  static Map<String, String> streamAlignDefaults() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("auto.create.topics.enable", "false");
    // Transactions and consumer groups on a single node.
    c.put("offsets.topic.replication.factor", "1");
    c.put("offsets.topic.num.partitions", "5");
    c.put("transaction.state.log.replication.factor", "1");
    c.put("transaction.state.log.min.isr", "1");
    c.put("transaction.state.log.num.partitions", "5");
    c.put("share.coordinator.state.topic.replication.factor", "1");
    c.put("share.coordinator.state.topic.min.isr", "1");
    c.put("min.insync.replicas", "1");
    c.put("default.replication.factor", "1");
    c.put("num.partitions", "1");
    c.put("group.initial.rebalance.delay.ms", "0");
    // Model snapshots up to 64 MiB (the snapshots topic sets max.message.bytes=67108864).
    c.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
    c.put("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
    c.put("socket.request.max.bytes", Integer.toString(2 * MAX_MESSAGE_BYTES));
    // A small machine: fewer threads than a production broker.
    c.put("num.network.threads", "2");
    c.put("num.io.threads", "4");
    c.put("background.threads", "4");
    c.put("log.cleaner.threads", "1");
    c.put("log.cleaner.dedupe.buffer.size", "2097152");
    c.put("unstable.api.versions.enable", "false");
    return Collections.unmodifiableMap(c);
  }

  Properties properties() {
    Properties copy = new Properties();
    copy.putAll(properties);
    return copy;
  }

  int clientPort() {
    return clientPort;
  }

  int controllerPort() {
    return controllerPort;
  }

  /**
   * Writes the configuration to {@code file} (atomically), for a reader who wants to see what runs.
   */
  void write(Path file) {
    try {
      Path tmp = Files.createTempFile(file.getParent(), ".server", ".properties");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        properties.store(
            w,
            "Written by StreamAlign's embedded broker at each start; "
                + "the same file runs under Kafka's kafka-server-start.sh");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * A port that was free on 127.0.0.1 a moment ago (the broker retries if it is taken meanwhile).
   */
  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + HOST, e);
    }
  }
}
