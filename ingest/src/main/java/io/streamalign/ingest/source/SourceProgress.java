package io.streamalign.ingest.source;

/**
 * Progress of a running source.
 *
 * @param moments moments emitted (over all streams)
 * @param records records sent (frames + chunks + captions + labels)
 * @param failures sends that failed (synchronously or when acknowledged)
 * @param elapsedMs wall-clock time since start
 * @param done true in the final report
 */
public record SourceProgress(
    long moments, long records, long failures, long elapsedMs, boolean done) {
  /** Moments per second so far. */
  public double momentsPerSecond() {
    return elapsedMs <= 0 ? 0 : moments * 1000.0 / elapsedMs;
  }
}
