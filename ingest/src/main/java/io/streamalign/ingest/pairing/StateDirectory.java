package io.streamalign.ingest.pairing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;

/**
 * Where the pairing application keeps its Kafka Streams state: {@code <base>/cluster-<clusterId>},
 * so that a new broker (another cluster id) never meets state restored from an old one.
 *
 * <p>Kafka Streams keeps state under {@code state.dir/<application.id>}; its default {@code
 * state.dir} is {@code /tmp/kafka-streams}, shared by every run and emptied by the OS, and state
 * left there by a run against another cluster makes every start report corrupted tasks and restore
 * in full. The base is, in order: the {@code --state-dir} option, the {@value #ENV} environment
 * variable, then {@code ~/.streamalign/streams}.
 */
public final class StateDirectory {

  /** Environment variable naming the base directory. */
  public static final String ENV = "STREAMALIGN_STATE_DIR";

  private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private StateDirectory() {}

  /**
   * The base directory: {@code option} if given, else {@value #ENV} if set, else {@code
   * ~/.streamalign/streams}.
   */
  public static Path base(Path option, Map<String, String> env) {
    if (option != null) {
      return option.toAbsolutePath().normalize();
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv.trim()).toAbsolutePath().normalize();
    }
    return Path.of(System.getProperty("user.home"), ".streamalign", "streams");
  }

  /** The state directory for one cluster under {@code base}. */
  public static Path forCluster(Path base, String clusterId) {
    if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
      throw new IllegalArgumentException("not a Kafka cluster id: '" + clusterId + "'");
    }
    return base.resolve("cluster-" + clusterId);
  }

  /**
   * Asks the cluster the client properties point at for its id ({@code Admin.describeCluster()}).
   */
  public static String clusterId(Properties clientProperties, Duration timeout) {
    try (Admin admin = Admin.create(clientProperties)) {
      return admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot read the cluster id from "
              + clientProperties.getProperty("bootstrap.servers")
              + ": "
              + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the cluster id", e);
    }
  }

  /** {@code forCluster(base, clusterId(clientProperties))}. */
  public static Path resolve(Path base, Properties clientProperties, Duration timeout) {
    return forCluster(base, clusterId(clientProperties, timeout));
  }
}
