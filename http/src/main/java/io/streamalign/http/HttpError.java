package io.streamalign.http;

/**
 * A request refused with a status and a reason; {@link HttpService} answers it as {@code {"error":
 * reason}} with that status. Handlers throw it for bad input (4xx).
 */
public final class HttpError extends RuntimeException {

  private final int status;

  public HttpError(int status, String reason) {
    super(reason);
    if (status < 400 || status > 599)
      throw new IllegalArgumentException("an error status is 4xx or 5xx, got " + status);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
