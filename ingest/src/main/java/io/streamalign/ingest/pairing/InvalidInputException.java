package io.streamalign.ingest.pairing;

/**
 * An input record decoded but broke a rule of its topic's contract (key, shape, range, encoding).
 */
public final class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
