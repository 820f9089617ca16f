package io.streamalign.app;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.source.AvMnistSource;
import io.streamalign.ingest.source.Source;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.SourceProgress;
import io.streamalign.ingest.source.Sources;
import io.streamalign.ingest.source.files.FilesOptions;
import io.streamalign.ingest.source.files.FilesProgress;
import io.streamalign.ingest.source.files.FilesSource;
import io.streamalign.ingest.source.media.MediaOptions;
import io.streamalign.ingest.source.media.MediaProgress;
import io.streamalign.ingest.source.media.MediaSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code streamalign ingest} command: runs a source into the raw topics. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Produces video frames, audio chunks, captions and labels from a source to Kafka.")
final class IngestCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Option(
      names = "--source",
      defaultValue = "synthetic",
      description = "Source: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = SourceNames.class)
  String source;

  @Option(
      names = "--dir",
      description = "files: a directory of class folders (DIR/<class>/*.png|jpg|wav|txt).")
  Path dir;

  @Option(
      names = "--input",
      description = "media: a media file or an RTSP/HTTP URL decoded with FFmpeg.")
  String input;

  @Option(
      names = "--fps",
      defaultValue = "10",
      description = "media: frames per second to sample (default ${DEFAULT-VALUE}).")
  double fps;

  @Option(names = "--gray", description = "media: gray RAW8 frames instead of RGB24.")
  boolean gray;

  @Option(names = "--class-name", description = "media: label every moment with this class.")
  String className;

  @Option(
      names = "--rate",
      defaultValue = "10",
      description =
          "Moments per second per stream; 0 = as fast as possible (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--streams",
      defaultValue = "2",
      description = "Number of parallel streams (default ${DEFAULT-VALUE}).")
  int streams;

  @Option(
      names = "--duration",
      description = "Stop after this many seconds (default: run until Ctrl-C or the data ends).")
  Long durationSeconds;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Stop after N moments per stream; 0 = no limit.")
  long limit;

  @Option(names = "--loop", description = "Start over when recorded data is exhausted.")
  boolean loop;

  @Option(
      names = "--data-dir",
      description = "Data directory for avmnist (default STREAMALIGN_DATA_DIR or ../shared/data).")
  Path dataDir;

  @Option(
      names = "--split",
      defaultValue = "TRAIN",
      description = "avmnist split: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  AvMnistSource.Split split;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-progress", description = "No progress line.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (source.equals("files")) return files(out);
    if (source.equals("media")) return media(out);
    SourceOptions opts =
        SourceOptions.defaults(source)
            .withRate(rate)
            .withStreams(streams)
            .withLoop(loop)
            .withSeed(seed)
            .withMaxMomentsPerStream(limit);
    if (!noProgress) {
      opts = opts.withProgress(p -> progress(out, p), Duration.ofSeconds(1));
    }
    try (AvProducer producer = new AvProducer(kafka.settings(), kafka.topics());
        Source src = Sources.create(source, producer, opts, Optional.ofNullable(dataDir), split)) {
      src.start();
      Services.awaitShutdown(durationMillis(), src.completion(), src::stop);
      src.stop();
      producer.flush();
      SourceProgress p = src.progress();
      out.printf(
          "%nsent %,d moments (%,d records, %,d failed)%n", p.moments(), p.records(), p.failures());
      out.flush();
      return p.failures() > 0 && p.records() == 0 ? 1 : 0;
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("streamalign ingest: " + e.getMessage());
      return 2;
    }
  }

  private int files(PrintWriter out) throws Exception {
    if (dir == null) {
      spec.commandLine().getErr().println("streamalign ingest: --source files needs --dir DIR");
      return 2;
    }
    FilesOptions o = FilesOptions.defaults("files").withRate(rate).withLoop(loop).withLimit(limit);
    if (!noProgress) {
      o =
          o.withProgress(
              p -> {
                out.printf(
                    "\rfiles: %,d samples, %,d records, %,d unreadable, pass %d   ",
                    p.samples(), p.records(), p.unreadable(), p.passes());
                out.flush();
              },
              Duration.ofSeconds(1));
    }
    try (AvProducer producer = new AvProducer(kafka.settings(), kafka.topics());
        FilesSource src = new FilesSource(producer, dir, o)) {
      src.start();
      Services.awaitShutdown(durationMillis(), src.completion(), src::stop);
      src.stop();
      producer.flush();
      FilesProgress p = src.progress();
      out.printf(
          "%nsent %,d samples (%,d records); %,d unreadable files%n",
          p.samples(), p.records(), p.unreadable());
      src.problems().stream().limit(20).forEach(pr -> out.println("  unreadable: " + pr));
      out.flush();
      return 0;
    }
  }

  private int media(PrintWriter out) throws Exception {
    if (input == null) {
      spec.commandLine()
          .getErr()
          .println("streamalign ingest: --source media needs --input FILE_OR_URL");
      return 2;
    }
    MediaOptions o = MediaOptions.defaults("media").withFps(fps).withGray(gray).withLimit(limit);
    if (className != null) o = o.withClassName(className);
    if (!noProgress) {
      o =
          o.withProgress(
              p -> {
                out.printf(
                    "\rmedia: %,d frames, %,d audio chunks, %,d decode errors   ",
                    p.frames(), p.chunks(), p.decodeErrors());
                out.flush();
              });
    }
    try (AvProducer producer = new AvProducer(kafka.settings(), kafka.topics());
        MediaSource src = new MediaSource(producer, input, o)) {
      src.start();
      Services.awaitShutdown(durationMillis(), src.completion(), src::stop);
      src.stop();
      producer.flush();
      MediaProgress p = src.progress();
      out.printf("%nsent %,d frames and %,d audio chunks%n", p.frames(), p.chunks());
      out.flush();
      return 0;
    }
  }

  private long durationMillis() {
    return durationSeconds == null ? 0 : durationSeconds * 1000;
  }

  private static void progress(PrintWriter out, SourceProgress p) {
    out.printf(
        "\r%s %,d moments, %,d records, %,d failed, %.1f moments/s%s",
        p.done() ? "done:" : "ingest:",
        p.moments(),
        p.records(),
        p.failures(),
        p.momentsPerSecond(),
        p.done() ? "\n" : "   ");
    out.flush();
  }

  /** Source names for the help text. */
  static final class SourceNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      java.util.List<String> names = new java.util.ArrayList<>(Sources.NAMES);
      names.add("files");
      names.add("media");
      return names.iterator();
    }
  }
}
