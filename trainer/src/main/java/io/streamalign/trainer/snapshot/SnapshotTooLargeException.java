package io.streamalign.trainer.snapshot;

/**
 * A snapshot record would not fit a Kafka limit. The message names the setting to raise: the
 * producer's {@code max.request.size} (trainer setting {@code
 * streamalign.trainer.snapshot.max.request.bytes} or {@code max.request.size} in the client config
 * file) or the snapshots topic's {@code max.message.bytes} (and then the broker's {@code
 * message.max.bytes} / {@code replica.fetch.max.bytes}).
 */
public final class SnapshotTooLargeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long recordBytes;
  private final long limitBytes;
  private final String setting;

  public SnapshotTooLargeException(
      String message, long recordBytes, long limitBytes, String setting) {
    super(message);
    this.recordBytes = recordBytes;
    this.limitBytes = limitBytes;
    this.setting = setting;
  }

  /** Estimated size of the snapshot record. */
  public long recordBytes() {
    return recordBytes;
  }

  /** The limit it exceeds. */
  public long limitBytes() {
    return limitBytes;
  }

  /** The configuration name to raise ({@code max.request.size} or {@code max.message.bytes}). */
  public String setting() {
    return setting;
  }
}
