package io.streamalign.app;

import io.streamalign.chaos.ChaosOptions;
import io.streamalign.chaos.ChaosSuite;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign chaos}: the chaos suite. Starts the real services as separate processes from
 * the runnable jar against a broker process, injects kill -9 of the trainer and of serving, broker
 * pauses (SIGSTOP/SIGCONT) and broker restarts, and checks from the topics that nothing was lost,
 * learned twice, left unpredicted or predicted twice (README.md, "Reliability"). Exit code 1 when
 * any count is not 0, a fault did not recover or the recovery goal is missed.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Fault injection against the real services as processes (kill -9 of train and serve, broker "
          + "pause and restart); checks from the topics that no sample is lost or learned twice and every infer "
          + "record gets exactly one prediction.",
      "The last line: chaos: faults N, lost L, learned-twice T, predictions-missing M, predictions-duplicated D, "
          + "recovery-p99 S s. Exit code 1 unless every count is 0 and recovery p99 <= the goal."
    },
    subcommands = {ChaosFuzzCommand.class})
final class ChaosCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--quick",
      description =
          "The CI variant: one kill of each service, one broker pause of --pause-seconds "
              + "and one broker restart, under 5 minutes. Without it: the full run (10 + 10 kills, 2 pauses of 30-90 s, "
              + "2 restarts), which writes --report.")
  boolean quick;

  @Option(
      names = "--seed",
      description = "Seed of the fault order and timing (default: the clock; printed).")
  Long seed;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      description =
          "The runnable jar to start the services from "
              + "(default: the jar this command runs from, else app/target/streamalign.jar).")
  Path jar;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description =
          "Logs and broker data (default: a temporary directory, "
              + "deleted after a passing run, kept after a failing one).")
  Path workDir;

  @Option(
      names = "--trainer-kills",
      paramLabel = "N",
      description = "kill -9 trials of the trainer (default 10; quick 1).")
  Integer trainerKills;

  @Option(
      names = "--serving-kills",
      paramLabel = "N",
      description = "kill -9 trials of serving (default 10; quick 1).")
  Integer servingKills;

  @Option(names = "--pauses", paramLabel = "N", description = "Broker pauses (default 2; quick 1).")
  Integer pauses;

  @Option(
      names = "--pause-seconds",
      paramLabel = "MIN[-MAX]",
      description =
          "Broker pause length, drawn in [MIN, MAX] "
              + "(default 30-90; quick 45: at least the consumers' 45 s session timeout).")
  String pauseSeconds;

  @Option(
      names = "--broker-restarts",
      paramLabel = "N",
      description = "Broker restarts (default 2; quick 1).")
  Integer brokerRestarts;

  @Option(
      names = "--recovery-goal",
      paramLabel = "SECONDS",
      defaultValue = "15",
      description = "Recovery p99 the run must meet (default ${DEFAULT-VALUE}).")
  int recoveryGoal;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "Where the full run writes its Markdown "
              + "(default docs/reliability.md; quick runs write nothing unless given).")
  Path report;

  @Override
  public Integer call() throws Exception {
    // the suite's own clients retry through every fault it injects: their warnings are expected
    // noise
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    PrintWriter out = spec.commandLine().getOut();
    long s = seed != null ? seed : System.currentTimeMillis();
    Path jarFile = jar != null ? jar : defaultJar();
    if (!Files.isRegularFile(jarFile)) {
      spec.commandLine()
          .getErr()
          .println(
              "streamalign chaos: no runnable jar at "
                  + jarFile
                  + " (build it with ./mvnw -B -DskipTests package, or pass --jar)");
      spec.commandLine().getErr().flush();
      return 2;
    }
    boolean tempDir = workDir == null;
    Path dir = tempDir ? Files.createTempDirectory("streamalign-chaos-") : workDir;
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    ChaosOptions opts =
        quick
            ? ChaosOptions.quick(jarFile, javaBin, dir, Duration.ofSeconds(45), s)
            : ChaosOptions.full(jarFile, javaBin, dir, s, Path.of("docs", "reliability.md"));
    if (report != null)
      opts =
          new ChaosOptions(
              opts.jar(),
              opts.java(),
              opts.workDir(),
              opts.trainerKills(),
              opts.servingKills(),
              opts.pauses(),
              opts.pauseMin(),
              opts.pauseMax(),
              opts.brokerRestarts(),
              opts.recoveryGoal(),
              opts.recoveryTimeout(),
              opts.snapshotEverySeconds(),
              opts.streams(),
              opts.rate(),
              opts.partitions(),
              opts.seed(),
              opts.brokerHeap(),
              report);
    if (trainerKills != null || servingKills != null) {
      opts =
          opts.withKills(
              trainerKills != null ? trainerKills : opts.trainerKills(),
              servingKills != null ? servingKills : opts.servingKills());
    }
    if (pauses != null || pauseSeconds != null) {
      Duration min = opts.pauseMin();
      Duration max = opts.pauseMax();
      if (pauseSeconds != null) {
        String[] parts = pauseSeconds.split("-", 2);
        min = Duration.ofSeconds(Long.parseLong(parts[0].trim()));
        max = parts.length > 1 ? Duration.ofSeconds(Long.parseLong(parts[1].trim())) : min;
      }
      opts = opts.withPauses(pauses != null ? pauses : opts.pauses(), min, max);
    }
    if (brokerRestarts != null) opts = opts.withBrokerRestarts(brokerRestarts);
    opts = opts.withRecoveryGoal(Duration.ofSeconds(recoveryGoal));
    out.println("chaos: seed " + s + ", jar " + jarFile + ", work dir " + dir);
    out.flush();
    ChaosSuite.Result result = new ChaosSuite(opts, out).run();
    if (result.passed() && tempDir) deleteRecursively(dir);
    else if (!result.passed()) {
      out.println("chaos: FAILED; service logs kept in " + dir.resolve("logs"));
      out.flush();
    }
    return result.passed() ? 0 : 1;
  }

  /** The jar this class was loaded from when it is one, else app/target/streamalign.jar. */
  static Path defaultJar() {
    try {
      Path self =
          Path.of(ChaosCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) return self;
    } catch (URISyntaxException | RuntimeException e) {
      // fall through
    }
    return Path.of("app", "target", "streamalign.jar");
  }

  static void deleteRecursively(Path root) {
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
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // best effort
    }
  }
}
