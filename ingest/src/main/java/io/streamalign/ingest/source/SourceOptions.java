package io.streamalign.ingest.source;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link Source} runs.
 *
 * @param ratePerStream moments per second per stream (each moment = frame + chunk [+ caption] [+
 *     label]); {@code <= 0} runs as fast as possible: event time is then the wall clock (at least 1
 *     ms after the previous moment), or, with an explicit {@code startTimeMs}, virtual time 100 ms
 *     per moment
 * @param streams number of parallel streams (stream ids {@code streamPrefix + "-" + i})
 * @param duration wall-clock limit, or null for none
 * @param maxMomentsPerStream limit per stream, or 0 for none
 * @param loop start over when the data is exhausted (data-backed sources)
 * @param seed seed of every random choice
 * @param streamPrefix prefix of the stream ids
 * @param startTimeMs event time of the first moment, or 0 for the wall clock at start
 * @param progress called about every {@code progressInterval} and once at the end (may be null)
 * @param progressInterval interval of progress reports
 */
public record SourceOptions(
    double ratePerStream,
    int streams,
    Duration duration,
    long maxMomentsPerStream,
    boolean loop,
    long seed,
    String streamPrefix,
    long startTimeMs,
    Consumer<SourceProgress> progress,
    Duration progressInterval) {

  public SourceOptions {
    if (streams < 1) throw new IllegalArgumentException("streams must be >= 1: " + streams);
    if (Double.isNaN(ratePerStream) || Double.isInfinite(ratePerStream)) {
      throw new IllegalArgumentException("ratePerStream must be finite: " + ratePerStream);
    }
    if (maxMomentsPerStream < 0)
      throw new IllegalArgumentException("maxMomentsPerStream must be >= 0");
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      throw new IllegalArgumentException("duration must be > 0: " + duration);
    }
    Objects.requireNonNull(streamPrefix, "streamPrefix");
    if (streamPrefix.isBlank()) throw new IllegalArgumentException("streamPrefix is blank");
    if (startTimeMs < 0) throw new IllegalArgumentException("startTimeMs must be >= 0");
    Objects.requireNonNull(progressInterval, "progressInterval");
  }

  /**
   * 10 moments/s per stream, 1 stream, unbounded, no loop, seed 42, prefix "stream", no progress
   * callback.
   */
  public static SourceOptions defaults(String streamPrefix) {
    return new SourceOptions(
        10, 1, null, 0, false, 42, streamPrefix, 0, null, Duration.ofSeconds(1));
  }

  public SourceOptions withRate(double ratePerStream) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        maxMomentsPerStream,
        loop,
        seed,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withStreams(int n) {
    return new SourceOptions(
        ratePerStream,
        n,
        duration,
        maxMomentsPerStream,
        loop,
        seed,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withDuration(Duration d) {
    return new SourceOptions(
        ratePerStream,
        streams,
        d,
        maxMomentsPerStream,
        loop,
        seed,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withMaxMomentsPerStream(long n) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        n,
        loop,
        seed,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withLoop(boolean l) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        maxMomentsPerStream,
        l,
        seed,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withSeed(long s) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        maxMomentsPerStream,
        loop,
        s,
        streamPrefix,
        startTimeMs,
        progress,
        progressInterval);
  }

  public SourceOptions withStartTimeMs(long t) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        maxMomentsPerStream,
        loop,
        seed,
        streamPrefix,
        t,
        progress,
        progressInterval);
  }

  public SourceOptions withProgress(Consumer<SourceProgress> p, Duration interval) {
    return new SourceOptions(
        ratePerStream,
        streams,
        duration,
        maxMomentsPerStream,
        loop,
        seed,
        streamPrefix,
        startTimeMs,
        p,
        interval);
  }

  /** Stream id of stream {@code i}. */
  public String streamId(int i) {
    return streamPrefix + "-" + i;
  }

  /** Event-time offset of moment {@code seq} from the start (paced or virtual time). */
  public long eventOffsetMs(long seq) {
    return ratePerStream > 0 ? Math.round(seq * 1000.0 / ratePerStream) : seq * 100;
  }

  /** True when event time follows the wall clock of an unpaced run rather than a schedule. */
  public boolean wallClockUnpaced() {
    return ratePerStream <= 0 && startTimeMs == 0;
  }

  /** Length of one moment in event time (label ranges cover it). */
  public long momentMs() {
    if (ratePerStream > 0) return Math.max(1, Math.round(1000.0 / ratePerStream));
    return wallClockUnpaced() ? 1 : 100;
  }
}
