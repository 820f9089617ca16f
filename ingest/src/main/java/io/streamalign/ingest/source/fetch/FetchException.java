package io.streamalign.ingest.source.fetch;

import java.io.IOException;

/**
 * A data set could not be fetched (HTTP error, retries exhausted, bad archive); the message says
 * why.
 */
public class FetchException extends IOException {
  private static final long serialVersionUID = 1L;

  public FetchException(String message) {
    super(message);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
