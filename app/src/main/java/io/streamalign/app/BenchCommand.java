package io.streamalign.app;

import io.streamalign.bench.BenchOptions;
import io.streamalign.bench.BenchRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code streamalign bench} command: runs a benchmark scenario on its own embedded broker and
 * writes every figure, as a ratio against its same-run baseline, to {@code
 * <out>/<scenario>.json|.md}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measures throughput, latency, snapshot propagation and memory, each against its baseline in the same run; writes JSON and Markdown.")
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "SCENARIO",
      completionCandidates = Scenarios.class,
      description =
          "One of: ${COMPLETION-CANDIDATES}; or a comma-separated list (e.g. serving,pairing), run and "
              + "documented like all.")
  String scenario;

  @Option(
      names = "--quick",
      description = "Quick mode: every scenario in a few minutes in all (what CI runs).")
  boolean quick;

  @Option(
      names = "--duration",
      description = "Soak duration, e.g. 60s, 10m, 1h (default: 60 s quick, 30 min full).")
  String duration;

  @Option(
      names = "--out",
      defaultValue = "bench-results",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--doc",
      description =
          "With all or a list: also write the run's benchmarks.md here (e.g. docs/benchmarks.md).")
  Path doc;

  @Option(
      names = "--previous",
      description =
          "With all or a list: an earlier benchmarks.md; its figures are shown beside "
              + "this run's, and its sections of the scenarios not run are kept, marked as such.")
  Path previous;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      description = "Learner device: cpu, gpu or auto (default ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    BenchOptions opts = BenchOptions.defaults().withQuick(quick).withOutDir(out).withDevice(device);
    if (duration != null) opts = opts.withDuration(BenchOptions.parseDuration(duration));
    // read before the run: --doc and --previous may name the same file
    Path prev = previous;
    if (previous != null) {
      prev = java.nio.file.Files.createTempFile("benchmarks-previous", ".md");
      java.nio.file.Files.copy(previous, prev, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    String table = BenchRunner.run(scenario, opts, doc, prev);
    spec.commandLine().getOut().println(table);
    spec.commandLine().getOut().println("wrote " + out.resolve(scenario + ".md") + " and .json");
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Scenario names for the help text. */
  static final class Scenarios implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return BenchRunner.names().iterator();
    }
  }
}
