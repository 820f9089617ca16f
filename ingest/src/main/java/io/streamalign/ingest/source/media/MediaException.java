package io.streamalign.ingest.source.media;

/** A media input could not be opened or decoded; the message names the input and the reason. */
public class MediaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MediaException(String message) {
    super(message);
  }

  public MediaException(String message, Throwable cause) {
    super(message, cause);
  }
}
