package io.streamalign.ingest.source.live;

/** A capture request {@link LiveCapture} refused, with the reason (shown to the client as is). */
public final class LiveCaptureException extends RuntimeException {

  /** Why: maps to an HTTP status by the server that carries the capture. */
  public enum Kind {
    /** The moment breaks a limit or is malformed (HTTP 400). */
    BAD_INPUT,
    /** No open session has this stream id (closed, timed out, or never opened: HTTP 404). */
    UNKNOWN_STREAM,
    /** Faster than the stream's frame or audio rate allows (HTTP 429). */
    TOO_FAST,
    /** Every session slot is taken by an active stream (HTTP 503). */
    BUSY
  }

  private final Kind kind;

  public LiveCaptureException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
