package io.streamalign.app;

import io.streamalign.chaos.ChaosOptions;
import io.streamalign.chaos.fuzz.FuzzRun;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign chaos fuzz}: starts broker, pair, train and serve as processes, sends N
 * records (good moments interleaved with malformed and mutated ones) and checks that every bad
 * record has a reason (a dead letter naming its source, or a counted drop), every good moment is
 * learned and predicted once and no thread died (README.md, "Reliability"). Exit code 1 otherwise.
 */
@Command(
    name = "fuzz",
    mixinStandardHelpOptions = true,
    description = {
      "Sends N records to the running services (started as processes): good moments interleaved with "
          + "bit flips, truncations, wrong fingerprints, oversized records, NaN/Inf features, negative and huge seq, "
          + "far-future and far-past times, restarted sequences, missing modalities.",
      "The last line: fuzz: records N, bad B, dead-lettered D, counted-drops C, unexplained U, good-lost G. "
          + "Exit code 1 unless unexplained and good-lost are 0 (and no junk sample, NaN score or dead thread)."
    })
final class ChaosFuzzCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @ParentCommand ChaosCommand parent;

  @Option(
      names = "--records",
      paramLabel = "N",
      defaultValue = "2000",
      description = "Records to send, good and bad (default ${DEFAULT-VALUE}).")
  int records;

  @Option(names = "--seed", description = "Seed (default: the clock; printed).")
  Long seed;

  @Option(
      names = "--jar",
      paramLabel = "FILE",
      description = "The runnable jar to start the services from (default: this one).")
  Path jar;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description =
          "Logs and broker data (default: a temporary directory, "
              + "deleted after a passing run).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    // the suite's own clients retry through every fault it injects: their warnings are expected
    // noise
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    PrintWriter out = spec.commandLine().getOut();
    if (records < 1) {
      spec.commandLine().getErr().println("streamalign chaos fuzz: --records must be >= 1");
      return 2;
    }
    long s = seed != null ? seed : System.currentTimeMillis();
    Path jarFile = jar != null ? jar : ChaosCommand.defaultJar();
    if (!Files.isRegularFile(jarFile)) {
      spec.commandLine()
          .getErr()
          .println("streamalign chaos fuzz: no runnable jar at " + jarFile + " (pass --jar)");
      return 2;
    }
    boolean tempDir = workDir == null;
    Path dir = tempDir ? Files.createTempDirectory("streamalign-fuzz-") : workDir;
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    ChaosOptions opts =
        ChaosOptions.quick(jarFile, javaBin, dir, Duration.ofSeconds(1), s)
            .withKills(0, 0)
            .withPauses(0, Duration.ZERO, Duration.ZERO)
            .withBrokerRestarts(0);
    out.println("fuzz: seed " + s + ", jar " + jarFile + ", work dir " + dir);
    out.flush();
    FuzzRun.Result result = new FuzzRun(opts, records, out).run();
    if (result.passed() && tempDir) ChaosCommand.deleteRecursively(dir);
    else if (!result.passed()) {
      out.println("fuzz: FAILED; service logs kept in " + dir.resolve("logs"));
      out.flush();
    }
    return result.passed() ? 0 : 1;
  }
}
