package io.streamalign.model;

/**
 * Thrown when snapshot bytes cannot be restored: wrong magic, unsupported format version, checksum
 * mismatch, truncated or inconsistent content. Unchecked, so serving can catch it, reject the
 * snapshot and keep the old model.
 */
public class SnapshotException extends RuntimeException {

  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
