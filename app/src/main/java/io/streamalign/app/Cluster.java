package io.streamalign.app;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * The Kafka cluster a command runs against: the one the user named (flag, environment or config
 * file), or, when none is named, an embedded single-node broker started for this run with every
 * topic created. Closing it stops the embedded broker, if one was started, and deletes its data.
 *
 * <pre>{@code
 * try (Cluster cluster = Cluster.resolve(kafka, 3, err)) {
 *     // kafka.clientProperties() now points at the cluster
 * }
 * }</pre>
 */
final class Cluster implements AutoCloseable {

  private final EmbeddedKafkaBroker broker;
  private final String bootstrapServers;

  private Cluster(EmbeddedKafkaBroker broker, String bootstrapServers) {
    this.broker = broker;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Uses the cluster the options name, or starts an embedded broker (free loopback port, topics
   * created with {@code partitions} partitions) and points the options at it.
   */
  static Cluster resolve(KafkaOptions kafka, int partitions, PrintWriter err) {
    if (kafka.bootstrapServersGiven()) {
      return new Cluster(null, kafka.bootstrapServers());
    }
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optPort(0).start();
    try {
      broker.createTopics(kafka.topics(), partitions);
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    kafka.useBootstrapServers(broker.bootstrapServers());
    err.println(
        "Started an embedded Kafka broker at "
            + broker.bootstrapServers()
            + " (no --bootstrap-servers given; its data is deleted at exit).");
    err.flush();
    return new Cluster(broker, broker.bootstrapServers());
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  /** The embedded broker, if this run started one. */
  Optional<EmbeddedKafkaBroker> embedded() {
    return Optional.ofNullable(broker);
  }

  @Override
  public void close() {
    if (broker != null) {
      broker.close();
    }
  }
}
