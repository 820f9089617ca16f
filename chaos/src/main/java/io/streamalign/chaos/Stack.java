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
 * <p>Serving runs with a stable instance id ({@code serve --instance-id}), as a supervisor
 * restarting the same instance would: the restarted instance fences its killed predecessor's open
 * transaction at once instead of leaving it to the transaction timeout.
 */
public final class Stack implements AutoCloseable {

  /** The transactional id suffix the chaos serving instance keeps across restarts. */
  static final String SERVING_INSTANCE_ID = "chaos-serve-0";

  /** glibc malloc settings of every service process, as {@code ./streamalign} sets them. */
  static final String GLIBC_TUNABLES =
      "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

  private final ChaosOptions options;
  private final Path workDir;
  private final Path bootstrapFile;
  private final int brokerPort;
  private final ServiceProcess broker;
  private final ServiceProcess pair;
  private final ServiceProcess train;
  private final ServiceProcess serve;
  private final ServiceProcess ingest;
  private final int pairJmxPort;
  private final int trainMetricsPort;
  private final int servePort;
  private String bootstrapServers;

  public Stack(ChaosOptions options) {
    this.options = options;
    this.workDir = options.workDir();
    this.bootstrapFile = workDir.resolve("bootstrap.properties");
    this.brokerPort = freePort();
    Path logs = workDir.resolve("logs");
    // a fixed port and a data directory: a restarted broker is the same broker with the same data
    List<String> brokerArgs =
        List.of(
            "broker",
            "--port",
            Integer.toString(brokerPort),
            "--partitions",
            Integer.toString(options.partitions()),
            "--bootstrap-file",
            bootstrapFile.toString(),
            "--data-dir",
            workDir.resolve("broker-data").toString());
    broker = service("broker", options.brokerHeap(), logs, List.of(), brokerArgs, Map.of());
    pairJmxPort = freePort();
    pair =
        service(
            "pair",
            "384m",
            logs,
            List.of(
                // JMX on loopback only: the fuzzer reads Kafka Streams' own dropped-records
                // counters from it
                "-Dcom.sun.management.jmxremote.port=" + pairJmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + pairJmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false"),
            List.of(
                "pair",
                "--config",
                bootstrapFile.toString(),
                "--infer-all",
                "--state-dir",
                workDir.resolve("pair-state").toString()),
            Map.of());
    trainMetricsPort = freePort();
    servePort = freePort();
    train =
        service(
            "train",
            "1g",
            logs,
            List.of(),
            List.of(
                "train",
                "--config",
                bootstrapFile.toString(),
                "--snapshot-every-seconds",
                Integer.toString(options.snapshotEverySeconds()),
                "--metrics-port",
                Integer.toString(trainMetricsPort)),
            Map.of());
    serve =
        service(
            "serve",
            "768m",
            logs,
            List.of(),
            List.of(
                "serve",
                "--config",
                bootstrapFile.toString(),
                "--http-port",
                Integer.toString(servePort),
                "--instance-id",
                SERVING_INSTANCE_ID),
            Map.of());
    ingest =
        service(
            "ingest",
            "384m",
            logs,
            List.of(),
            List.of(
                "ingest",
                "--config",
                bootstrapFile.toString(),
                "--source",
                "synthetic",
                "--streams",
                Integer.toString(options.streams()),
                "--rate",
                Integer.toString(options.rate()),
                "--seed",
                Long.toString(options.seed()),
                "--no-progress"),
            Map.of());
  }

  private ServiceProcess service(
      String name,
      String heap,
      Path logs,
      List<String> jvmArgs,
      List<String> args,
      Map<String, String> env) {
    List<String> cmd = new ArrayList<>();
    cmd.add(options.java().toString());
    cmd.add("-Xmx" + heap);
    cmd.addAll(jvmArgs);
    cmd.add("-Dai.djl.offline=true");
    // milliseconds in the service logs: where a recovery's seconds go (start, fence, restore, join,
    // first step)
    cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
    cmd.add("-XX:+IgnoreUnrecognizedVMOptions");
    cmd.add("-jar");
    cmd.add(options.jar().toString());
    cmd.addAll(args);
    Map<String, String> e = new LinkedHashMap<>(env);
    // glibc malloc as ./streamalign sets it (README "Native memory")
    e.put("MALLOC_ARENA_MAX", "2");
    e.putIfAbsent("GLIBC_TUNABLES", GLIBC_TUNABLES);
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

  /** Starts pairing, training, serving and, with {@code load}, the load generator. */
  public void startServices(boolean load) {
    pair.start();
    train.start();
    serve.start();
    if (load) ingest.start();
  }

  /**
   * Log lines of pair, train and serve that say a thread died or a loop stopped by itself: an
   * uncaught exception, a stream thread replaced, a service loop "stopped by an unexpected error".
   */
  public List<String> threadDeaths() {
    List<String> found = new ArrayList<>();
    for (ServiceProcess s : List.of(pair, train, serve)) {
      try {
        if (!Files.exists(s.log())) continue;
        for (String line : Files.readAllLines(s.log(), StandardCharsets.UTF_8)) {
          String l = line.toLowerCase(java.util.Locale.ROOT);
          if (l.contains("exception in thread")
              || l.contains("uncaught exception")
              || l.contains("stopped by an unexpected error")
              || l.contains("replace_thread")
              || l.contains("replacing the stream thread")
              || l.contains("the prediction loop stops")
              || (l.contains("state transition from") && l.contains("to error"))) {
            found.add(s.name() + ": " + line.trim());
          }
        }
      } catch (IOException e) {
        found.add(s.name() + ": cannot read log " + s.log() + ": " + e.getMessage());
      }
    }
    return found;
  }

  public ServiceProcess broker() {
    return broker;
  }

  public ServiceProcess pair() {
    return pair;
  }

  public ServiceProcess train() {
    return train;
  }

  public ServiceProcess serve() {
    return serve;
  }

  public ServiceProcess ingest() {
    return ingest;
  }

  /** The pairing process's JMX port (loopback, no authentication: a test stack only). */
  public int pairJmxPort() {
    return pairJmxPort;
  }

  /** The trainer's /metrics and /health port. */
  public int trainMetricsPort() {
    return trainMetricsPort;
  }

  /** Serving's HTTP port (/metrics, /health). */
  public int servePort() {
    return servePort;
  }

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
        if (line.startsWith("bootstrap.servers="))
          return line.substring("bootstrap.servers=".length()).trim();
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

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
