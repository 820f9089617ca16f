package io.streamalign.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The stack under test: a broker process whose data directory and port survive a restart, and the
 * pairing, training and serving services plus a load generator ({@code streamalign ingest --source
 * synthetic}), each a separate {@code java -jar streamalign.jar ...} process talking only through
 * Kafka, as an operator would run them.
 *
 * <p>Serving runs with a stable instance id ({@code STREAMALIGN_SERVING_INSTANCE_ID}), as a
 * supervisor restarting the same instance would: the restarted instance fences its killed
 * predecessor's open transaction at once instead of leaving it to the transaction timeout.
 */
public final class Stack implements AutoCloseable {

    /** The transactional id suffix the chaos serving instance keeps across restarts. */
    static final String SERVING_INSTANCE_ID = "chaos-serve-0";

    private final ChaosOptions options;
    private final Path workDir;
    private final Path bootstrapFile;
    private final int brokerPort;
    private final ServiceProcess broker;
    private final ServiceProcess pair;
    private final ServiceProcess train;
    private final ServiceProcess serve;
    private final ServiceProcess ingest;
    private String bootstrapServers;

    Stack(ChaosOptions options) {
        this.options = options;
        this.workDir = options.workDir();
        this.bootstrapFile = workDir.resolve("bootstrap.properties");
        this.brokerPort = freePort();
        Path logs = workDir.resolve("logs");
        List<String> brokerArgs = new ArrayList<>(List.of("broker", "--port", Integer.toString(brokerPort),
                "--partitions", Integer.toString(options.partitions()), "--bootstrap-file", bootstrapFile.toString()));
        if (options.brokerRestarts() > 0) {
            // the data must survive the restart (without restarts the broker's own temporary directory will do)
            brokerArgs.addAll(List.of("--data-dir", workDir.resolve("broker-data").toString()));
        }
        broker = service("broker", options.brokerHeap(), logs, brokerArgs, Map.of());
        pair = service("pair", "384m", logs, List.of("pair", "--config", bootstrapFile.toString(),
                "--infer-all", "--state-dir", workDir.resolve("pair-state").toString()), Map.of());
        train = service("train", "1g", logs, List.of("train", "--config", bootstrapFile.toString(),
                "--snapshot-every-seconds", Integer.toString(options.snapshotEverySeconds()),
                "--metrics-port", Integer.toString(freePort())), Map.of());
        serve = service("serve", "768m", logs, List.of("serve", "--config", bootstrapFile.toString(),
                "--http-port", Integer.toString(freePort())),
                Map.of("STREAMALIGN_SERVING_INSTANCE_ID", SERVING_INSTANCE_ID));
        ingest = service("ingest", "384m", logs, List.of("ingest", "--config", bootstrapFile.toString(),
                "--source", "synthetic", "--streams", Integer.toString(options.streams()),
                "--rate", Integer.toString(options.rate()), "--seed", Long.toString(options.seed()),
                "--no-progress"), Map.of());
    }

    private ServiceProcess service(String name, String heap, Path logs, List<String> args, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        cmd.add(options.java().toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-XX:+IgnoreUnrecognizedVMOptions");
        cmd.add("-jar");
        cmd.add(options.jar().toString());
        cmd.addAll(args);
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("MALLOC_ARENA_MAX", "2");
        return new ServiceProcess(name, cmd, e, logs.resolve(name + ".log"));
    }

    /** Starts the broker and waits until it accepts clients (it writes the bootstrap file then). */
    public void startBroker() {
        try {
            Files.deleteIfExists(bootstrapFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        broker.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(bootstrapFile)) {
                bootstrapServers = readBootstrap();
                if (bootstrapServers != null) return;
            }
            if (!broker.isAlive()) {
                throw new IllegalStateException("broker exited while starting:\n" + broker.logTail(30));
            }
            sleep(200);
        }
        throw new IllegalStateException("broker not ready after 120 s:\n" + broker.logTail(30));
    }

    /** Starts pairing, training, serving and the load generator. */
    public void startServices() {
        pair.start();
        train.start();
        serve.start();
        ingest.start();
    }

    public ServiceProcess broker() { return broker; }
    public ServiceProcess pair() { return pair; }
    public ServiceProcess train() { return train; }
    public ServiceProcess serve() { return serve; }
    public ServiceProcess ingest() { return ingest; }

    /** The broker's client address (fixed across restarts). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Client properties for the suite's own read_committed consumers and admin client. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** Every service that is expected to be running but has exited, with its log tail. */
    public List<String> deadServices() {
        List<String> dead = new ArrayList<>();
        for (ServiceProcess s : List.of(broker, pair, train, serve)) {
            if (s.starts() > 0 && !s.isAlive()) dead.add(s.name() + " exited:\n" + s.logTail(15));
        }
        return dead;
    }

    @Override
    public void close() {
        for (ServiceProcess s : List.of(ingest, serve, train, pair)) {
            s.stop(Duration.ofSeconds(20));
        }
        broker.stop(Duration.ofSeconds(30));
    }

    private String readBootstrap() {
        try {
            for (String line : Files.readAllLines(bootstrapFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("bootstrap.servers=")) return line.substring("bootstrap.servers=".length()).trim();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
