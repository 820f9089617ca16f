package io.streamalign.embedded;

import io.streamalign.schemas.TopicAdmin;
import io.streamalign.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft mode, one combined broker + controller) running inside
 * this JVM, started the way Kafka's quick start starts one: write a {@code server.properties},
 * format the storage ({@code kafka-storage.sh format}), then run the server ({@code
 * kafka-server-start.sh}), here through the same classes those scripts call ({@link StorageFormat},
 * {@link KafkaRaftServer}).
 *
 * <p>It binds to the loopback interface only ({@code 127.0.0.1}), on a free port unless {@link
 * Builder#optPort(int)} asks for a fixed one. By default its data lives in a temporary directory
 * that {@link #close()} deletes; with {@link Builder#optDataDir(Path)} it lives in a directory that
 * survives {@link #close()} and process death, and a broker started again on that directory keeps
 * its cluster id, topics, records and committed offsets. The broker is configured for what
 * StreamAlign does on one node (see {@link BrokerConfig}).
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start()) {
 *     broker.createTopics(3);
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  /** Largest record the broker accepts by default: a 64 MiB snapshot plus batch overhead. */
  public static final int MAX_MESSAGE_BYTES = BrokerConfig.MAX_MESSAGE_BYTES;

  /** How long {@link Builder#start()} waits for the broker to answer clients. */
  private static final long READY_TIMEOUT_MS = 60_000;

  private final KafkaRaftServer server;
  private final Path dataDir;
  private final boolean deleteOnClose;
  private final String bootstrapServers;
  private final String clusterId;
  private volatile boolean closed;

  private EmbeddedKafkaBroker(
      KafkaRaftServer server,
      Path dataDir,
      boolean deleteOnClose,
      String bootstrapServers,
      String clusterId) {
    this.server = server;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.bootstrapServers = bootstrapServers;
    this.clusterId = clusterId;
  }

  /** Starts a broker with the default configuration on a free loopback port. */
  public static EmbeddedKafkaBroker start() {
    return builder().start();
  }

  /** A builder for a broker with non-default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** The {@code bootstrap.servers} value clients use to reach this broker (loopback). */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's port on 127.0.0.1. */
  public int port() {
    return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
  }

  /**
   * The cluster id written when the storage was formatted; the same after a restart on the same
   * data.
   */
  public String clusterId() {
    return clusterId;
  }

  /**
   * The directory holding this broker's {@code server.properties}, logs and metadata; deleted by
   * {@link #close()} unless it was given with {@link Builder#optDataDir(Path)}.
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Whether {@link #close()} keeps the data directory (it was given with {@link
   * Builder#optDataDir(Path)}).
   */
  public boolean isPersistent() {
    return !deleteOnClose;
  }

  /** Client properties with only {@code bootstrap.servers} set; callers add their own settings. */
  public Properties clientProperties() {
    Properties props = new Properties();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }

  /** A new Admin client for this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(clientProperties());
  }

  /**
   * Creates every StreamAlign topic with the default prefix ({@code av.}), and its dead-letter
   * topic, with the given number of partitions and replication factor 1. Idempotent.
   */
  public void createTopics(int partitions) {
    createTopics(Topics.defaults(), partitions);
  }

  /**
   * Creates every topic of the given registry (and its dead-letter topics) with the given number of
   * partitions and replication factor 1. Idempotent.
   */
  public void createTopics(Topics topics, int partitions) {
    Objects.requireNonNull(topics, "topics");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    }
    try (Admin admin = admin()) {
      TopicAdmin.createAll(admin, topics, partitions, (short) 1); // returns once they are served
    }
  }

  /**
   * Stops the broker (a controlled shutdown: logs flushed, clean-shutdown marker written) and,
   * unless the data directory was given by the caller, deletes it. Safe to call more than once.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop(server);
    } finally {
      if (deleteOnClose) {
        deleteRecursively(dataDir);
      }
    }
    LOG.info(
        "Embedded Kafka broker at {} stopped{}",
        bootstrapServers,
        deleteOnClose ? "" : " (data kept in " + dataDir + ")");
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaBroker{"
        + bootstrapServers
        + ", cluster "
        + clusterId
        + (closed ? ", closed" : "")
        + "}";
  }

  /**
   * Settings for an {@link EmbeddedKafkaBroker}; {@link #start()} formats the storage and starts
   * it.
   */
  public static final class Builder {
    private int port;
    private Path dataDir;
    private final Map<String, String> overrides = new LinkedHashMap<>();

    private Builder() {}

    /** Binds the client listener to this loopback port; 0 (the default) picks a free one. */
    public Builder optPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Keeps the broker's data in this directory (created if missing) instead of a temporary one: it
     * is formatted on first use, reused as it is by later starts, and never deleted by {@link
     * EmbeddedKafkaBroker#close()}. One broker at a time may use a directory (Kafka locks it).
     */
    public Builder optDataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
      return this;
    }

    /** Overrides one broker configuration entry (for example {@code log.retention.ms}). */
    public Builder optBrokerConfig(String key, String value) {
      overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Formats the storage if it is not formatted yet, starts the broker and waits until it answers
     * clients. When the ports were picked free, a port taken by another process between picking and
     * binding is retried once with new ports.
     */
    public EmbeddedKafkaBroker start() {
      boolean temporary = dataDir == null;
      Path dir;
      try {
        dir =
            temporary
                ? Files.createTempDirectory("streamalign-kafka-")
                : Files.createDirectories(dataDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the broker's data directory " + dataDir, e);
      }
      try {
        try {
          return startIn(dir, temporary);
        } catch (IllegalStateException e) {
          if (!causedByBind(e) || port != 0) {
            throw e;
          }
          LOG.info(
              "A picked port was taken before the broker bound it ({}); retrying with new ports",
              e.getMessage());
          return startIn(dir, temporary);
        }
      } catch (RuntimeException e) {
        if (temporary) {
          deleteRecursively(dir);
        }
        throw e;
      }
    }

    private EmbeddedKafkaBroker startIn(Path dir, boolean temporary) {
      BrokerConfig config = BrokerConfig.create(dir, port, overrides);
      KafkaRaftServer server = null;
      try {
        ensureNotInUse(dir.resolve(BrokerConfig.LOG_DIR_NAME));
        config.write(dir.resolve(BrokerConfig.FILE_NAME));
        KafkaConfig kafkaConfig = KafkaConfig.fromProps(config.properties(), false);
        String formattedClusterId = StorageFormat.formatIfNeeded(kafkaConfig);
        server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + config.clientPort();
        String clusterId = awaitReady(bootstrap);
        if (!clusterId.equals(formattedClusterId)) {
          throw new IllegalStateException(
              "the broker at "
                  + bootstrap
                  + " reports cluster "
                  + clusterId
                  + ", its storage was formatted for "
                  + formattedClusterId);
        }
        LOG.info(
            "Embedded Kafka broker ready at {} (cluster {}, data in {})",
            bootstrap,
            clusterId,
            dir);
        return new EmbeddedKafkaBroker(server, dir, temporary, bootstrap, clusterId);
      } catch (Exception e) {
        if (server != null) {
          stop(server);
        }
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String why =
            causedByBind(cause)
                ? "port "
                    + config.clientPort()
                    + " or "
                    + config.controllerPort()
                    + " on 127.0.0.1 is already in use ("
                    + cause
                    + ")"
                : cause.toString();
        throw new IllegalStateException(
            "embedded Kafka broker failed to start in " + dir + ": " + why, cause);
      }
    }
  }

  /**
   * Waits until the broker answers a describe-cluster request listing itself, and returns the
   * cluster id. {@link KafkaRaftServer#startup()} returns once the broker is registered with its
   * controller; clients may still be told "no node" for a moment after that.
   */
  private static String awaitReady(String bootstrap) throws InterruptedException, TimeoutException {
    Properties props = new Properties();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
    Exception last = null;
    try (Admin admin = Admin.create(props)) {
      while (System.nanoTime() < deadline) {
        try {
          DescribeClusterResult cluster = admin.describeCluster();
          if (!cluster.nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
            return cluster.clusterId().get(10, TimeUnit.SECONDS);
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        }
        Thread.sleep(100);
      }
    }
    TimeoutException timeout =
        new TimeoutException(
            "broker at " + bootstrap + " not ready after " + READY_TIMEOUT_MS / 1000 + " s");
    if (last != null) {
      timeout.initCause(last);
    }
    throw timeout;
  }

  /**
   * Fails when another broker holds the lock Kafka takes on a log directory. Kafka itself would
   * find out only deep inside startup, where its fatal-error handler ends the whole JVM.
   */
  private static void ensureNotInUse(Path logDir) throws IOException {
    Path lockFile = logDir.resolve(".lock");
    if (!Files.exists(lockFile)) {
      return;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new IllegalStateException(
            "data directory " + logDir.getParent() + " is in use by another broker process");
      }
      lock.release();
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException(
          "data directory " + logDir.getParent() + " is in use by another broker in this process",
          e);
    }
  }

  private static void stop(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Error while stopping the embedded Kafka broker", e);
    }
  }

  private static boolean causedByBind(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  private static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      LOG.warn("Could not delete the embedded broker's data directory {}", root, e);
    }
  }
}
