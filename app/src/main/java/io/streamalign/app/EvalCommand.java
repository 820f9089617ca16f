package io.streamalign.app;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.eval.EvalRunner;
import io.streamalign.features.data.DataDir;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code streamalign eval} command: runs one of the papers' protocols on the real data and
 * prints our numbers beside the papers'; writes Markdown, JSON and PNG plots to {@code --out}.
 * Needs no Kafka.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Runs an evaluation protocol (see PROTOCOL) on the real data; writes <out>/<protocol>.md/.json/.png.")
final class EvalCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "PROTOCOL",
      completionCandidates = Protocols.class,
      description = "One of: ${COMPLETION-CANDIDATES}.")
  String protocol;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Directory holding mnist/ and fsdd/ (default: STREAMALIGN_DATA_DIR or ../shared/data).")
  Path dataDir;

  @Option(names = "--full", description = "Paper-sized run instead of the reduced CI size.")
  boolean full;

  @Option(
      names = "--seeds",
      defaultValue = "1",
      description = "Number of seeds (default ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--out",
      defaultValue = "eval-out",
      paramLabel = "DIR",
      description = "Output directory (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path data = dataDir != null ? dataDir : DataDir.find().orElse(null);
    EvalResult r = EvalRunner.run(protocol, new EvalOptions(data, full, seeds, out));
    spec.commandLine().getOut().println(r.table());
    spec.commandLine().getOut().println("wrote " + r.files());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Protocol names for the help text. */
  static final class Protocols implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return EvalRunner.names().iterator();
    }
  }
}
