package io.streamalign.ingest.source;

import io.streamalign.features.data.DataDir;
import io.streamalign.ingest.producer.AvSink;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Creates sources by name, for the command line ({@code streamalign ingest --source NAME}). */
public final class Sources {

  /** Names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("synthetic", "avmnist");

  private Sources() {}

  /**
   * A source by name.
   *
   * @param name "synthetic" (no data needed) or "avmnist" (needs the data directory)
   * @param sink where records go (usually an {@link io.streamalign.ingest.producer.AvProducer})
   * @param options pacing, streams, limits, seed, progress callback
   * @param dataDir data directory for avmnist; empty = {@link DataDir#find()}
   * @param split avmnist split (ignored by synthetic)
   * @throws IllegalArgumentException on an unknown name or missing data
   */
  public static Source create(
      String name,
      AvSink sink,
      SourceOptions options,
      Optional<Path> dataDir,
      AvMnistSource.Split split) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "synthetic":
        return new SyntheticSource(sink, options, SyntheticOptions.defaults());
      case "avmnist":
        {
          Path dir =
              dataDir
                  .or(DataDir::find)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "avmnist needs the data: " + DataDir.notFoundMessage()));
          return new AvMnistSource(sink, options, dir, split);
        }
      default:
        throw new IllegalArgumentException("unknown source '" + name + "'; known: " + NAMES);
    }
  }
}
