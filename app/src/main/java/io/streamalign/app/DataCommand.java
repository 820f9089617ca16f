package io.streamalign.app;

import io.streamalign.ingest.source.fetch.DatasetFetcher;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamalign data fetch mnist|fsdd --to DIR}: the public data sets, checksummed, resumable.
 */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Data set tools.",
    subcommands = DataCommand.Fetch.class)
final class DataCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing required subcommand (fetch)");
  }

  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description =
          "Downloads MNIST (t10k) or the Free Spoken Digit Dataset from their canonical locations "
              + "with sha256 checks and resume, into the layout the other commands read (DIR/mnist, DIR/fsdd).")
  static final class Fetch implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DATASET", description = "mnist or fsdd.")
    String dataset;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "DIR",
        description = "Data directory to fill.")
    Path to;

    @Option(
        names = "--base-url",
        paramLabel = "URL",
        description = "Fetch from this base URL instead of the canonical mirrors.")
    URI base;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      DatasetFetcher fetcher =
          new DatasetFetcher(
              (file, bytes, total) -> {
                out.printf(
                    "\r%s: %,d / %s bytes   ",
                    file, bytes, total > 0 ? String.format("%,d", total) : "?");
                out.flush();
              });
      Path dir = fetcher.fetch(dataset, to, base);
      out.println();
      out.println("fetched " + dataset + " into " + dir.toAbsolutePath() + " (checksums verified)");
      out.flush();
      return 0;
    }
  }
}
