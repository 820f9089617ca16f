package io.streamalign.http;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One endpoint: method and exact path, and either a handler or a server-sent event stream. A POST
 * route is state-changing: {@link HttpService} checks its Origin and bearer token (README "HTTP
 * security") before reading its body.
 */
public final class Route {

  /** Answers one request; throws {@link HttpError} for a refused request. */
  @FunctionalInterface
  public interface Handler {
    Reply handle(Exchange exchange) throws Exception;
  }

  private final String method;
  private final String path;
  private final Handler handler;
  private final long maxBodyBytes;
  private final Duration eventPeriod;
  private final Supplier<String> eventData;
  private final StreamHandler streamHandler;
  private final String summary;

  /**
   * Writes a server-sent event stream for one request ({@link #stream}); may throw {@link
   * HttpError} before its first event to refuse the request. Returns (or fails) to end the stream.
   */
  @FunctionalInterface
  public interface StreamHandler {
    void stream(Exchange exchange, EventSink sink) throws Exception;
  }

  /** The open event stream of one client. */
  public interface EventSink {
    /**
     * Sends one event ({@code event} may be null: a plain {@code data:} event); IOException once
     * the client is gone.
     */
    void send(String event, String data) throws java.io.IOException;

    /** True once the server is closing: the handler should return. */
    boolean closing();
  }

  private Route(
      String method,
      String path,
      Handler handler,
      long maxBodyBytes,
      Duration eventPeriod,
      Supplier<String> eventData,
      String summary) {
    this(method, path, handler, maxBodyBytes, eventPeriod, eventData, null, summary);
  }

  private Route(
      String method,
      String path,
      Handler handler,
      long maxBodyBytes,
      Duration eventPeriod,
      Supplier<String> eventData,
      StreamHandler streamHandler,
      String summary) {
    if (!path.startsWith("/"))
      throw new IllegalArgumentException("a path starts with '/': " + path);
    this.method = method;
    this.path = path;
    this.handler = handler;
    this.maxBodyBytes = maxBodyBytes;
    this.eventPeriod = eventPeriod;
    this.eventData = eventData;
    this.streamHandler = streamHandler;
    this.summary = summary == null ? "" : summary;
  }

  /** A GET route (HEAD is answered by it too, without the body). */
  public static Route get(String path, Handler handler) {
    return new Route("GET", path, Objects.requireNonNull(handler), 0, null, null, null);
  }

  /** A state-changing POST route whose body may be as large as the server's default limit. */
  public static Route post(String path, Handler handler) {
    return post(path, -1, handler);
  }

  /** A state-changing POST route with its own body limit ({@code -1}: the server's default). */
  public static Route post(String path, long maxBodyBytes, Handler handler) {
    return new Route("POST", path, Objects.requireNonNull(handler), maxBodyBytes, null, null, null);
  }

  /**
   * A server-sent event stream on GET: every {@code period}, one {@code data:} event with {@code
   * data.get()} (a single line). Written asynchronously: an open stream holds no thread.
   */
  public static Route events(String path, Duration period, Supplier<String> data) {
    return new Route(
        "GET", path, null, 0, Objects.requireNonNull(period), Objects.requireNonNull(data), null);
  }

  /**
   * A server-sent event stream on GET written by {@code handler} (e.g. per-client events chosen by
   * a query parameter). The handler runs on a thread of the server's bounded pool of stream writers
   * (not a request worker), so open streams never starve other requests; past the bound, 503.
   */
  public static Route stream(String path, StreamHandler handler) {
    return new Route("GET", path, null, 0, null, null, Objects.requireNonNull(handler), null);
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  Handler handler() {
    return handler;
  }

  /** The body limit of this route; -1 = the server's default. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  public boolean isEventStream() {
    return eventData != null;
  }

  public boolean isStream() {
    return streamHandler != null;
  }

  StreamHandler streamHandler() {
    return streamHandler;
  }

  Duration eventPeriod() {
    return eventPeriod;
  }

  Supplier<String> eventData() {
    return eventData;
  }

  /** Whether Origin and bearer token are checked (every POST route). */
  public boolean stateChanging() {
    return "POST".equals(method);
  }

  @Override
  public String toString() {
    return method + " " + path + (summary.isEmpty() ? "" : " (" + summary + ")");
  }
}
