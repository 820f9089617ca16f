package io.streamalign.embedded;

import io.streamalign.schemas.Topic;
import io.streamalign.schemas.TopicAdmin;
import io.streamalign.schemas.Topics;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A real single-node Kafka broker (KRaft mode, one combined broker + controller process) running
 * inside this JVM, built on Kafka's own {@link KafkaClusterTestKit}.
 *
 * <p>It binds to the loopback interface only ({@code 127.0.0.1}), on a free port unless
 * {@link Builder#optPort(int)} asks for a fixed one, and keeps its logs in a temporary directory
 * that {@link #close()} deletes. The broker is configured for what StreamAlign does on one node:
 * transactions (exactly-once snapshot publishing) and Kafka Streams (replication factor 1 and
 * min.insync.replicas 1 for every internal topic, no initial rebalance delay), model snapshots
 * up to 64 MiB, and no automatic topic creation, so a wrong topic name fails loudly instead of
 * silently creating an empty topic.
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
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024 + 1024 * 1024;

    /** Broker listener name used by the test kit for clients. */
    private static final String BROKER_LISTENER = "EXTERNAL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaClusterTestKit cluster;
    private final Path dataDir;
    private final String bootstrapServers;
    private volatile boolean closed;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, Path dataDir) {
        this.cluster = cluster;
        this.dataDir = dataDir;
        // The kit reports "localhost:<port>"; the listener is bound to 127.0.0.1 only, so say so
        // (a "localhost" that resolves to ::1 first would cost clients a failed connection).
        this.bootstrapServers = cluster.bootstrapServers().replace("localhost:", "127.0.0.1:");
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

    /** The directory holding this broker's logs and metadata; deleted by {@link #close()}. */
    public Path dataDir() {
        return dataDir;
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
     * Creates every topic of the given registry (and its dead-letter topics) with the given number
     * of partitions and replication factor 1. Idempotent.
     */
    public void createTopics(Topics topics, int partitions) {
        Objects.requireNonNull(topics, "topics");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        try (Admin admin = admin()) {
            TopicAdmin.createAll(admin, topics, partitions, (short) 1);
            List<String> names = topics.allWithDeadLetters().stream().map(Topic::name).collect(Collectors.toList());
            awaitLeaders(admin, names);
        }
    }

    /**
     * Waits until the broker's metadata shows every topic with a leader for every partition.
     * Creation returns once the controller has committed the topics; the broker's metadata cache
     * (what clients see) follows a moment later, and a consumer asking in between is told the topic
     * does not exist.
     */
    private static void awaitLeaders(Admin admin, List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> described =
                        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = described.size() == names.size() && described.values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics", e);
            }
        }
        throw new IllegalStateException("topics not ready after 30 s: " + names, last);
    }

    /** Stops the broker and deletes its data directory. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warn("Error while stopping the embedded Kafka broker", e);
        } finally {
            deleteRecursively(dataDir);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker{" + bootstrapServers + (closed ? ", closed" : "") + "}";
    }

    /** Settings for an {@link EmbeddedKafkaBroker}; {@link #start()} formats and starts it. */
    public static final class Builder {
        private int port;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Binds the client listener to this loopback port; 0 (the default) picks a free one.
         */
        public Builder optPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Overrides one broker configuration entry (for example {@code log.retention.ms}). */
        public Builder optBrokerConfig(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Formats the storage, starts the broker and waits until it accepts clients. */
        public EmbeddedKafkaBroker start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("streamalign-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the broker's data directory", e);
            }
            KafkaClusterTestKit cluster = null;
            try {
                TestKitNodes nodes = new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                        .setBaseDirectory(dir)
                        .build();
                KafkaClusterTestKit.Builder kit = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
                defaultConfigs().forEach(kit::setConfigProp);
                overrides.forEach(kit::setConfigProp);
                cluster = kit.build();
                bindToLoopback(cluster, port);
                formatQuietly(cluster);
                cluster.startup();
                cluster.waitForReadyBrokers();
                EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(cluster, dir);
                LOG.info("Embedded Kafka broker ready at {} (data in {})", broker.bootstrapServers(), dir);
                return broker;
            } catch (Exception e) {
                if (cluster != null) {
                    try {
                        cluster.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                deleteRecursively(dir);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("embedded Kafka broker failed to start: " + cause, cause);
            }
        }
    }

    /** The broker settings StreamAlign needs on one node. */
    static Map<String, String> defaultConfigs() {
        Map<String, String> c = new LinkedHashMap<>();
        // Loopback only; port 0 here, the real ports come from the pre-bound sockets (see bindToLoopback).
        c.put("listeners", BROKER_LISTENER + "://127.0.0.1:0," + CONTROLLER_LISTENER + "://127.0.0.1:0");
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

    /**
     * Formats the storage. Kafka's storage formatter prints its progress on {@code System.out},
     * which would mix with a command's own output (e.g. the {@code bootstrap.servers=} line that
     * scripts read), so it is captured and logged at debug level instead.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        synchronized (System.class) {
            PrintStream original = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                cluster.format();
            } finally {
                System.setOut(original);
                LOG.debug("Kafka storage format: {}", captured.toString(StandardCharsets.UTF_8).trim());
            }
        }
    }

    /**
     * Replaces the test kit's pre-bound listener sockets, which it binds to the wildcard address,
     * by sockets on the loopback interface with the same port (or the requested client port).
     *
     * <p>The test kit pre-binds one socket per listener before startup so that the controller
     * quorum address is known in advance, but binds it on all interfaces; a development broker
     * without authentication must not be reachable from the network. The kit has no public hook for
     * this, so the sockets are swapped through reflection; if that ever fails (a changed Kafka
     * internal), startup fails rather than silently listening on every interface.
     */
    @SuppressWarnings("unchecked")
    private static void bindToLoopback(KafkaClusterTestKit cluster, int brokerPort) throws Exception {
        Field managerField = KafkaClusterTestKit.class.getDeclaredField("socketFactoryManager");
        managerField.setAccessible(true);
        Object manager = managerField.get(cluster);
        Field socketsField = manager.getClass().getDeclaredField("sockets");
        socketsField.setAccessible(true);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        synchronized (manager) {
            Map<Integer, Map<String, ServerSocketChannel>> sockets =
                    (Map<Integer, Map<String, ServerSocketChannel>>) socketsField.get(manager);
            for (Map<String, ServerSocketChannel> byListener : sockets.values()) {
                for (Map.Entry<String, ServerSocketChannel> entry : byListener.entrySet()) {
                    String listener = entry.getKey();
                    ServerSocketChannel wildcard = entry.getValue();
                    int port = ((InetSocketAddress) wildcard.getLocalAddress()).getPort();
                    if (BROKER_LISTENER.equals(listener) && brokerPort > 0) {
                        port = brokerPort;
                    }
                    wildcard.close();
                    ServerSocketChannel local = ServerSocketFactory.INSTANCE.openServerSocket(
                            listener, new InetSocketAddress(loopback, port), -1, -1);
                    entry.setValue(local);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete the embedded broker's data directory {}", root, e);
        }
    }
}
