package io.streamalign.app;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign broker}: runs a real single-node Kafka broker (KRaft) in this process until
 * Ctrl-C, with every StreamAlign topic created.
 *
 * <p>It listens on 127.0.0.1 only, port 9092 by default (so the other commands' default {@code
 * localhost:9092} finds it) or a free port if 9092 is taken; it prints {@code
 * bootstrap.servers=<address>} on standard output and, with {@code --bootstrap-file}, writes the
 * same line to a file, which is then a valid {@code --config} file for the other commands. Its data
 * lives in a temporary directory deleted at exit, or, with {@code --data-dir}, in a directory that
 * survives the process (stopped or killed): started again on that directory, the broker has the
 * same cluster id, topics, records and committed offsets. This is a development broker, not a
 * production one (one node, no replication, no authentication).
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an embedded single-node Kafka broker (KRaft, loopback only) until Ctrl-C or SIGTERM, "
          + "with all StreamAlign topics created.",
      "Prints bootstrap.servers=<address>. The data is temporary and deleted at exit, unless --data-dir "
          + "keeps it: a broker restarted on the same --data-dir (and --port) has the same topics, "
          + "records and committed offsets."
    })
final class BrokerCommand implements Callable<Integer> {

  static final int DEFAULT_PORT = 9092;

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description =
          "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}, or a free port if it is taken; 0 = any free port).",
      defaultValue = "9092")
  int port;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "3",
      description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Keep the broker's data (server.properties, logs, metadata) in DIR, created and formatted "
              + "on first use and reused as it is by later starts; never deleted. "
              + "Default: a temporary directory deleted at exit.")
  Path dataDir;

  @Option(
      names = "--bootstrap-file",
      paramLabel = "FILE",
      description = "Also write 'bootstrap.servers=<address>' to FILE (deleted again at exit).")
  Path bootstrapFile;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (kafka.bootstrapServersGiven()) {
      err.println(
          "streamalign broker: starts its own broker; --bootstrap-servers does not apply "
              + "(use --port to choose its port).");
      err.flush();
      return 2;
    }
    if (partitions < 1) {
      err.println("streamalign broker: --partitions must be >= 1");
      err.flush();
      return 2;
    }
    EmbeddedKafkaBroker broker = start(err);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              broker.close();
              deleteQuietly(bootstrapFile);
              stopped.countDown();
            },
            "streamalign-broker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      broker.createTopics(kafka.topics(), partitions);
      String line = "bootstrap.servers=" + broker.bootstrapServers();
      if (bootstrapFile != null) {
        writeAtomically(bootstrapFile, line + System.lineSeparator());
      }
      out.println(line);
      out.flush();
      err.println(
          "Broker running (cluster "
              + broker.clusterId()
              + ", data in "
              + broker.dataDir()
              + (broker.isPersistent() ? ", kept at exit" : ", deleted at exit")
              + ") with topics '"
              + kafka.topicPrefix()
              + "*' ("
              + partitions
              + " partitions); press Ctrl-C to stop.");
      err.flush();
      stopped.await();
      return 0;
    } catch (RuntimeException | IOException e) {
      broker.close();
      deleteQuietly(bootstrapFile);
      Runtime.getRuntime().removeShutdownHook(hook);
      throw e;
    }
  }

  private EmbeddedKafkaBroker start(PrintWriter err) {
    try {
      return builder().optPort(port).start();
    } catch (IllegalStateException e) {
      boolean portDefaulted = spec.commandLine().getParseResult().matchedOption("--port") == null;
      if (portDefaulted && port != 0 && causedByBind(e)) {
        err.println(
            "Port " + port + " is not available (" + e.getMessage() + "); using a free port.");
        err.flush();
        return builder().optPort(0).start();
      }
      throw e;
    }
  }

  private EmbeddedKafkaBroker.Builder builder() {
    EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
    if (dataDir != null) {
      builder.optDataDir(dataDir);
    }
    return builder;
  }

  private static boolean causedByBind(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  static void writeAtomically(Path file, String content) throws IOException {
    Path absolute = file.toAbsolutePath();
    Path dir = absolute.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, ".bootstrap", ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // best effort at exit
      }
    }
  }
}
