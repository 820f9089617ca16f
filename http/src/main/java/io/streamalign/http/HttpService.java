package io.streamalign.http;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of every StreamAlign surface (dashboard, serving API, trainer metrics), on Jetty
 * 12. One setup for all (README "HTTP security"):
 *
 * <ul>
 *   <li>bound to {@link HttpSettings#host()} (127.0.0.1 unless told otherwise);
 *   <li>an idle timeout on every connection: a client that stops sending its headers or its body is
 *       disconnected after {@link HttpSettings#idleTimeout()};
 *   <li>request bodies are read asynchronously and bounded: a stalled upload holds no worker
 *       thread, and one larger than the route's limit gets 413 with the reason (at once when its
 *       Content-Length says so);
 *   <li>at most {@link HttpSettings#maxThreads()} worker threads (with a bounded queue) and {@link
 *       HttpSettings#maxConnections()} open connections;
 *   <li>the {@link RequestGuard} checks: loopback Host names on a loopback server, same Origin and
 *       the bearer token (when configured) on state-changing routes;
 *   <li>errors as {@code {"error": reason}}; unknown paths 404, wrong methods 405 with {@code
 *       Allow}.
 * </ul>
 */
public final class HttpService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

  private final String name;
  private final HttpSettings settings;
  private final Server server;
  private final ServerConnector connector;
  private final QueuedThreadPool pool;
  private final Map<String, Map<String, Route>> routes = new LinkedHashMap<>();
  private final RequestGuard guard;
  private final AtomicInteger openEventStreams = new AtomicInteger();

  /**
   * Threads of {@link Route#stream} handlers, apart from the request workers; at most
   * MAX_EVENT_STREAMS.
   */
  private final java.util.concurrent.ThreadPoolExecutor streamWriters;

  private volatile boolean closed;

  /** Largest number of concurrently open event streams per server; more get 503. */
  static final int MAX_EVENT_STREAMS = 64;

  private HttpService(String name, HttpSettings settings, List<Route> routeList)
      throws IOException {
    this.name = name;
    this.settings = settings;
    for (Route r : routeList) {
      Route previous =
          routes.computeIfAbsent(r.path(), p -> new LinkedHashMap<>()).put(r.method(), r);
      if (previous != null)
        throw new IllegalArgumentException("two routes for " + r.method() + " " + r.path());
    }
    streamWriters =
        new java.util.concurrent.ThreadPoolExecutor(
            0,
            MAX_EVENT_STREAMS,
            30,
            TimeUnit.SECONDS,
            new java.util.concurrent.SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "http-" + name + "-stream");
              t.setDaemon(true);
              return t;
            });
    InetAddress bind = InetAddress.getByName(settings.host());
    this.guard = new RequestGuard(bind.isLoopbackAddress(), settings.bearerToken());

    // bounded threads; the job queue is bounded in effect by maxConnections (Jetty warns against a
    // bounded queue object)
    pool = new QueuedThreadPool(settings.maxThreads(), Math.min(4, settings.maxThreads()));
    pool.setName("http-" + name);
    pool.setDaemon(true);
    server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    http.setIdleTimeout(settings.idleTimeout().toMillis());
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    connector.setAcceptQueueSize(128);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(settings.maxConnections(), server));
    server.setHandler(new Dispatcher());
    server.setStopTimeout(2_000);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // best effort
      }
      throw new IOException(
          "cannot start the "
              + name
              + " HTTP server on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage(),
          e);
    }
    LOG.info("{} HTTP on {} ({}; routes {})", name, url(), settings, routes.keySet());
  }

  /** Starts a server with these routes. */
  public static HttpService start(String name, HttpSettings settings, List<Route> routes)
      throws IOException {
    return new HttpService(name, settings, routes);
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The settings this server runs with. */
  public HttpSettings settings() {
    return settings;
  }

  /** Every route served, as "METHOD /path" (HEAD is implied by GET). */
  public List<String> routeNames() {
    List<String> out = new ArrayList<>();
    routes.forEach((path, byMethod) -> byMethod.keySet().forEach(m -> out.add(m + " " + path)));
    return out;
  }

  /** The base URL, ending in '/' ({@code localhost} when bound to every interface). */
  public String url() {
    String host = settings.host();
    try {
      if (InetAddress.getByName(host).isAnyLocalAddress()) host = "localhost";
    } catch (IOException e) {
      // keep the configured name
    }
    if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
    return "http://" + host + ":" + port() + "/";
  }

  @Override
  public void close() {
    closed = true;
    streamWriters.shutdown();
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("{} HTTP server did not stop cleanly: {}", name, e.toString());
    }
  }

  private final class Dispatcher extends Handler.Abstract {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = request.getHttpURI().getPath();
      if (path == null || path.isEmpty()) path = "/";
      String method = request.getMethod();
      HttpFields h = request.getHeaders();
      String host = h.get(HttpHeader.HOST);
      Optional<HttpError> hostRefusal = guard.checkHost(host);
      if (hostRefusal.isPresent()) {
        reply(request, response, callback, unread(h, errorReply(hostRefusal.get())));
        return true;
      }
      Map<String, Route> byMethod = routes.get(path);
      if (byMethod == null) {
        reply(request, response, callback, unread(h, Reply.error(404, "no such path: " + path)));
        return true;
      }
      Route route = byMethod.get("HEAD".equals(method) ? "GET" : method);
      if (route == null) {
        String allow =
            String.join(", ", byMethod.keySet()) + (byMethod.containsKey("GET") ? ", HEAD" : "");
        reply(
            request,
            response,
            callback,
            unread(
                h,
                Reply.error(405, method + " is not allowed on " + path + "; use " + allow)
                    .header("Allow", allow)));
        return true;
      }
      if (route.stateChanging()) {
        Optional<HttpError> refusal =
            guard.checkStateChanging(
                h.get(HttpHeader.ORIGIN),
                h.get("Sec-Fetch-Site"),
                host,
                request.isSecure(),
                h.get(HttpHeader.AUTHORIZATION));
        if (refusal.isPresent()) {
          Reply r = unread(h, errorReply(refusal.get()));
          if (refusal.get().status() == 401)
            r.header("WWW-Authenticate", "Bearer realm=\"streamalign\"");
          reply(request, response, callback, r);
          return true;
        }
      }
      if (route.isEventStream()) {
        new EventStream(route, request, response, callback).start();
        return true;
      }
      if (route.isStream()) {
        startStream(route, request, response, callback);
        return true;
      }
      long limit =
          route.stateChanging()
              ? (route.maxBodyBytes() < 0 ? settings.maxBodyBytes() : route.maxBodyBytes())
              : 0;
      long length = request.getLength();
      if (length > limit + DRAIN_BYTES) {
        // refused before reading: the client learns at once, and the connection closes after the
        // answer
        reply(
            request,
            response,
            callback,
            tooLarge(route, length + " bytes", limit).header("Connection", "close"));
        return true;
      }
      if (!route.stateChanging() || length == 0) {
        run(route, request, response, callback, new byte[0]);
        return true;
      }
      // The body arrives asynchronously: a slow or stalled upload occupies no worker thread; the
      // connection's idle timeout ends it.
      new BodyReader(
              request,
              limit,
              (bytes, failure) ->
                  execute(
                      () -> {
                        if (failure instanceof TooLarge tl) {
                          Reply r = tooLarge(route, "more than " + limit + " bytes", limit);
                          // the rest was not read: close the connection after the answer
                          if (!tl.drained) r.header("Connection", "close");
                          reply(request, response, callback, r);
                        } else if (failure != null) {
                          Throwable cause =
                              failure.getCause() != null
                                      && !(failure instanceof java.util.concurrent.TimeoutException)
                                  ? failure.getCause()
                                  : failure;
                          if (failure instanceof java.util.concurrent.TimeoutException
                              || cause instanceof java.util.concurrent.TimeoutException) {
                            reply(
                                request,
                                response,
                                callback,
                                Reply.error(
                                        408,
                                        "the request body stalled for longer than the "
                                            + settings.idleTimeout().toMillis()
                                            + " ms idle timeout")
                                    .header("Connection", "close"));
                          } else {
                            reply(
                                request,
                                response,
                                callback,
                                Reply.error(400, "cannot read the request body: " + failure));
                          }
                        } else {
                          run(route, request, response, callback, bytes);
                        }
                      },
                      request,
                      response,
                      callback))
          .run();
      return true;
    }

    private void execute(Runnable task, Request request, Response response, Callback callback) {
      try {
        pool.execute(task);
      } catch (RuntimeException e) {
        reply(
            request, response, callback, Reply.error(503, "the " + name + " HTTP server is busy"));
      }
    }
  }

  /** A body past its limit; {@code drained} when the rest was read (and dropped) to its end. */
  private static final class TooLarge extends Exception {
    final boolean drained;

    TooLarge(boolean drained) {
      super("request body too large", null, false, false);
      this.drained = drained;
    }
  }

  /**
   * Past the limit, up to this many more bytes are read and dropped, so the 413 reaches the client
   * cleanly.
   */
  static final long DRAIN_BYTES = 1L << 20;

  /**
   * Reads a request body without blocking (Jetty's demand callbacks): keeps at most {@code limit}
   * bytes, then drops up to {@link #DRAIN_BYTES} more before giving up; reports once.
   */
  private static final class BodyReader implements Runnable {
    private final Request request;
    private final long limit;
    private final java.util.function.BiConsumer<byte[], Throwable> done;
    private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
    private long total;

    BodyReader(Request request, long limit, java.util.function.BiConsumer<byte[], Throwable> done) {
      this.request = request;
      this.limit = limit;
      this.done = done;
    }

    @Override
    public void run() {
      while (true) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          done.accept(null, chunk.getFailure());
          return;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = b.remaining();
        total += n;
        if (total <= limit && n > 0) {
          byte[] part = new byte[n];
          b.get(part);
          kept.write(part, 0, n);
        }
        boolean last = chunk.isLast();
        chunk.release();
        if (total > limit + DRAIN_BYTES) {
          done.accept(null, new TooLarge(false));
          return;
        }
        if (last) {
          if (total > limit) done.accept(null, new TooLarge(true));
          else done.accept(kept.toByteArray(), null);
          return;
        }
      }
    }
  }

  private static Reply tooLarge(Route route, String size, long limit) {
    return Reply.error(
        413,
        "request body of "
            + size
            + " is larger than the limit of "
            + limit
            + " bytes for "
            + route.method()
            + " "
            + route.path());
  }

  /**
   * A reply sent before the request's body was read: the connection cannot carry another request
   * after it, so the reply says so ({@code Connection: close}) and a client does not reuse it.
   */
  private static Reply unread(HttpFields h, Reply r) {
    boolean body =
        h.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || h.contains(HttpHeader.TRANSFER_ENCODING);
    return body ? r.header("Connection", "close") : r;
  }

  private static Reply errorReply(HttpError e) {
    return Reply.error(e.status(), e.getMessage());
  }

  private void run(
      Route route, Request request, Response response, Callback callback, byte[] body) {
    Reply reply;
    try {
      reply = route.handler().handle(exchange(request, body));
      if (reply == null) reply = Reply.error(500, "the handler of " + route + " gave no answer");
    } catch (HttpError e) {
      reply = errorReply(e);
    } catch (Exception e) {
      LOG.warn(
          "{} HTTP {} {} failed", name, request.getMethod(), request.getHttpURI().getPath(), e);
      reply = Reply.error(500, e.toString());
    }
    reply(request, response, callback, reply);
  }

  private static Exchange exchange(Request request, byte[] body) {
    Map<String, String> query = new HashMap<>();
    Fields fields = Request.extractQueryParameters(request);
    for (Fields.Field f : fields) query.put(f.getName(), f.getValue());
    Map<String, String> headers = new HashMap<>();
    for (org.eclipse.jetty.http.HttpField f : request.getHeaders()) {
      headers.putIfAbsent(f.getLowerCaseName(), f.getValue());
    }
    return new Exchange(request.getMethod(), request.getHttpURI().getPath(), query, headers, body);
  }

  private static void reply(Request request, Response response, Callback callback, Reply reply) {
    try {
      response.setStatus(reply.status());
      HttpFields.Mutable h = response.getHeaders();
      secure(h);
      if (reply.contentType() != null) h.put(HttpHeader.CONTENT_TYPE, reply.contentType());
      reply.headers().forEach(h::put);
      h.put(HttpHeader.CONTENT_LENGTH, reply.body().length);
      response.write(true, ByteBuffer.wrap(reply.body()), callback);
    } catch (RuntimeException e) {
      callback.failed(e);
    }
  }

  private static void secure(HttpFields.Mutable h) {
    h.put("X-Content-Type-Options", "nosniff");
    h.put("X-Frame-Options", "DENY");
    h.put("Referrer-Policy", "no-referrer");
    h.put(HttpHeader.CACHE_CONTROL, "no-store");
  }

  private void startStream(Route route, Request request, Response response, Callback callback) {
    if (openEventStreams.incrementAndGet() > MAX_EVENT_STREAMS) {
      openEventStreams.decrementAndGet();
      reply(
          request,
          response,
          callback,
          Reply.error(503, "too many open event streams (" + MAX_EVENT_STREAMS + ")"));
      return;
    }
    Exchange ex = exchange(request, new byte[0]);
    Runnable task =
        () -> {
          boolean[] started = {false};
          java.io.OutputStream out = Content.Sink.asOutputStream(response);
          Route.EventSink sink =
              new Route.EventSink() {
                @Override
                public void send(String event, String data) throws IOException {
                  if (!started[0]) {
                    response.setStatus(200);
                    HttpFields.Mutable h = response.getHeaders();
                    secure(h);
                    h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
                    h.put(HttpHeader.CACHE_CONTROL, "no-cache");
                    started[0] = true;
                  }
                  StringBuilder b = new StringBuilder();
                  if (event != null)
                    b.append("event: ").append(event.replaceAll("[\\r\\n]", "")).append('\n');
                  b.append("data: ")
                      .append(data.replace("\r", "").replace("\n", "\ndata: "))
                      .append("\n\n");
                  out.write(b.toString().getBytes(StandardCharsets.UTF_8));
                  out.flush();
                }

                @Override
                public boolean closing() {
                  return closed;
                }
              };
          try {
            route.streamHandler().stream(ex, sink);
            if (!started[0]) {
              reply(
                  request,
                  response,
                  callback,
                  Reply.error(500, "the stream of " + route + " sent nothing"));
            } else {
              out.close();
              callback.succeeded();
            }
          } catch (HttpError e) {
            if (!started[0]) reply(request, response, callback, errorReply(e));
            else callback.failed(e);
          } catch (Exception e) {
            if (!started[0] && !(e instanceof IOException)) {
              LOG.warn("{} HTTP stream {} failed", name, route.path(), e);
              reply(request, response, callback, Reply.error(500, e.toString()));
            } else {
              callback.failed(e); // the client went away
            }
          } finally {
            openEventStreams.decrementAndGet();
          }
        };
    try {
      streamWriters.execute(task);
    } catch (RuntimeException e) {
      openEventStreams.decrementAndGet();
      reply(request, response, callback, Reply.error(503, "too many open event streams"));
    }
  }

  /**
   * One open server-sent event stream: written from the scheduler, holding no thread in between.
   */
  private final class EventStream {
    private final Route route;
    private final Request request;
    private final Response response;
    private final Callback callback;

    EventStream(Route route, Request request, Response response, Callback callback) {
      this.route = route;
      this.request = request;
      this.response = response;
      this.callback = callback;
    }

    void start() {
      if (openEventStreams.incrementAndGet() > MAX_EVENT_STREAMS) {
        openEventStreams.decrementAndGet();
        reply(
            request,
            response,
            callback,
            Reply.error(503, "too many open event streams (" + MAX_EVENT_STREAMS + ")"));
        return;
      }
      response.setStatus(200);
      HttpFields.Mutable h = response.getHeaders();
      secure(h);
      h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      h.put(HttpHeader.CACHE_CONTROL, "no-cache");
      if ("HEAD".equals(request.getMethod())) {
        openEventStreams.decrementAndGet();
        response.write(true, ByteBuffer.allocate(0), callback);
        return;
      }
      tick();
    }

    private void tick() {
      if (closed) {
        finish(null);
        return;
      }
      String data;
      try {
        data = route.eventData().get().replace("\r", "").replace("\n", "\ndata: ");
      } catch (RuntimeException e) {
        LOG.warn("{} event stream {} failed", name, route.path(), e);
        finish(e);
        return;
      }
      response.write(
          false,
          ByteBuffer.wrap(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8)),
          Callback.from(this::scheduleNext, this::finish));
    }

    private void scheduleNext() {
      Scheduler scheduler = server.getScheduler();
      try {
        scheduler.schedule(
            () -> {
              try {
                pool.execute(this::tick);
              } catch (RuntimeException e) {
                finish(e);
              }
            },
            route.eventPeriod().toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        finish(e);
      }
    }

    private void finish(Throwable failure) {
      openEventStreams.decrementAndGet();
      if (failure == null) response.write(true, ByteBuffer.allocate(0), callback);
      else callback.failed(failure);
    }
  }
}
