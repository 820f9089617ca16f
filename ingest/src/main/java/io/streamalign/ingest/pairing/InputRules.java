package io.streamalign.ingest.pairing;

import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits pairing enforces on every input record before anything windowed sees it
 * (docs/producing.md lists them with what happens otherwise): a record breaking one goes to its
 * topic's dead-letter topic with the reason.
 *
 * @param maxValueBytes largest value accepted, in bytes (default {@link
 *     Topics#INPUT_MAX_MESSAGE_BYTES}, the input topics' {@code max.message.bytes}: compression can
 *     let a larger value through the broker)
 * @param maxFutureSkew how far an event time may lie ahead of the record's Kafka timestamp (or of
 *     the wall clock, whichever is earlier); a record further in the future is rejected and never
 *     moves stream time
 * @param maxSeq largest sequence number accepted; sequence numbers are never negative
 */
public record InputRules(int maxValueBytes, Duration maxFutureSkew, long maxSeq) {

  /** Default {@code maxFutureSkew}: 5 minutes. */
  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(5);

  /** Default {@code maxSeq}: 10^12 (a thousand moments a second for 31 years). */
  public static final long DEFAULT_MAX_SEQ = 1_000_000_000_000L;

  /** Longest streamId accepted (characters): it becomes the key of every sample of the stream. */
  public static final int MAX_STREAM_ID_CHARS = 255;

  public InputRules {
    if (maxValueBytes < 1)
      throw new IllegalArgumentException("maxValueBytes must be >= 1: " + maxValueBytes);
    Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
    if (maxFutureSkew.isNegative())
      throw new IllegalArgumentException("maxFutureSkew must be >= 0: " + maxFutureSkew);
    if (maxSeq < 0) throw new IllegalArgumentException("maxSeq must be >= 0: " + maxSeq);
  }

  /** 8 MiB values, 5 minutes of future skew, seq up to 10^12. */
  public static InputRules defaults() {
    return new InputRules(Topics.INPUT_MAX_MESSAGE_BYTES, DEFAULT_MAX_FUTURE_SKEW, DEFAULT_MAX_SEQ);
  }

  public InputRules withMaxFutureSkew(Duration skew) {
    return new InputRules(maxValueBytes, skew, maxSeq);
  }

  public InputRules withMaxValueBytes(int bytes) {
    return new InputRules(bytes, maxFutureSkew, maxSeq);
  }
}
