package io.streamalign.ingest.source.files;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link FilesSource} runs.
 *
 * @param streamId stream id of every record
 * @param rate samples (events) per second, paced in wall-clock time; {@code <= 0} publishes as fast
 *     as possible with event times {@code sampleMs} apart
 * @param loop start over from the first sample when the directory is exhausted
 * @param limit stop after this many samples, or 0 for no limit
 * @param shuffle shuffle the samples of each pass (seeded by {@code seed + pass}); otherwise
 *     classes are interleaved round-robin in name order
 * @param seed shuffle seed
 * @param startTimeMs event time of the first sample, or 0 for the wall clock at start
 * @param progress called about every {@code progressInterval} and once at the end (may be null)
 * @param progressInterval interval of progress reports
 */
public record FilesOptions(
    String streamId,
    double rate,
    boolean loop,
    long limit,
    boolean shuffle,
    long seed,
    long startTimeMs,
    Consumer<FilesProgress> progress,
    Duration progressInterval) {

  public FilesOptions {
    Objects.requireNonNull(streamId, "streamId");
    if (streamId.isBlank()) throw new IllegalArgumentException("streamId is blank");
    if (Double.isNaN(rate) || Double.isInfinite(rate))
      throw new IllegalArgumentException("rate must be finite: " + rate);
    if (limit < 0) throw new IllegalArgumentException("limit must be >= 0: " + limit);
    if (startTimeMs < 0)
      throw new IllegalArgumentException("startTimeMs must be >= 0: " + startTimeMs);
    Objects.requireNonNull(progressInterval, "progressInterval");
  }

  /**
   * 10 samples/s, no loop, no limit, interleaved order, wall-clock event time, no progress
   * callback.
   */
  public static FilesOptions defaults(String streamId) {
    return new FilesOptions(streamId, 10, false, 0, false, 42, 0, null, Duration.ofSeconds(1));
  }

  public FilesOptions withRate(double r) {
    return new FilesOptions(
        streamId, r, loop, limit, shuffle, seed, startTimeMs, progress, progressInterval);
  }

  public FilesOptions withLoop(boolean l) {
    return new FilesOptions(
        streamId, rate, l, limit, shuffle, seed, startTimeMs, progress, progressInterval);
  }

  public FilesOptions withLimit(long n) {
    return new FilesOptions(
        streamId, rate, loop, n, shuffle, seed, startTimeMs, progress, progressInterval);
  }

  public FilesOptions withShuffle(boolean s, long sd) {
    return new FilesOptions(
        streamId, rate, loop, limit, s, sd, startTimeMs, progress, progressInterval);
  }

  public FilesOptions withStartTimeMs(long t) {
    return new FilesOptions(
        streamId, rate, loop, limit, shuffle, seed, t, progress, progressInterval);
  }

  public FilesOptions withProgress(Consumer<FilesProgress> p, Duration interval) {
    return new FilesOptions(streamId, rate, loop, limit, shuffle, seed, startTimeMs, p, interval);
  }

  /** Event-time offset of sample {@code n} from the start. */
  public long eventOffsetMs(long n) {
    return rate > 0 ? Math.round(n * 1000.0 / rate) : n * 100;
  }

  /** Event-time length of one sample (its label covers it). */
  public long sampleMs() {
    return Math.max(1, rate > 0 ? Math.round(1000.0 / rate) : 100);
  }
}
