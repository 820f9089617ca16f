package io.streamalign.records;

/**
 * A record the learner cannot use (a missing or wrongly shaped tensor, a non-finite value, no
 * modality, no class name). Services send such a record to its dead-letter topic with this message
 * and go on.
 */
public class InvalidRecordException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public InvalidRecordException(String message) {
    super(message);
  }

  public InvalidRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
