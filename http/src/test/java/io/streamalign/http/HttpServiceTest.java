package io.streamalign.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared HTTP server on real sockets: routing, limits, timeouts, Origin, token and Host checks.
 */
class HttpServiceTest {

  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicInteger posts = new AtomicInteger();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) c.close();
  }

  private HttpService start(HttpSettings settings) throws IOException {
    HttpService s =
        HttpService.start(
            "test",
            settings,
            List.of(
                Route.get("/health", ex -> Reply.json(200, "{\"status\":\"UP\"}")),
                Route.post(
                    "/echo",
                    ex -> {
                      posts.incrementAndGet();
                      return Reply.text(200, "text/plain", ex.bodyText());
                    }),
                Route.post("/small", 10, ex -> Reply.text(200, "text/plain", ex.bodyText())),
                Route.get(
                    "/boom",
                    ex -> {
                      throw new HttpError(422, "bad thing \"quoted\"");
                    }),
                Route.events("/events", Duration.ofMillis(50), () -> "{\"n\":1}"),
                Route.stream(
                    "/stream",
                    (ex, sink) -> {
                      String who =
                          ex.query("stream")
                              .orElseThrow(() -> new HttpError(404, "no stream given"));
                      for (int i = 0; i < 3 && !sink.closing(); i++) {
                        sink.send("tick", "{\"stream\":\"" + who + "\",\"i\":" + i + "}");
                        Thread.sleep(20);
                      }
                    })));
    open.add(s);
    return s;
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(HttpService s, String path) {
    return URI.create(s.url() + path.substring(1));
  }

  @Test
  void routesMethodsAndErrorsAnswerJsonWithAReason() throws Exception {
    HttpService s = start(HttpSettings.loopback(0));
    assertTrue(s.url().startsWith("http://127.0.0.1:"), s.url());
    HttpResponse<String> ok = send(HttpRequest.newBuilder(uri(s, "/health")));
    assertEquals(200, ok.statusCode());
    assertEquals("{\"status\":\"UP\"}", ok.body());
    assertEquals("nosniff", ok.headers().firstValue("X-Content-Type-Options").orElse(""));

    HttpResponse<String> head =
        send(
            HttpRequest.newBuilder(uri(s, "/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());

    HttpResponse<String> missing = send(HttpRequest.newBuilder(uri(s, "/nope")));
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("no such path: /nope"), missing.body());

    HttpResponse<String> wrong =
        send(
            HttpRequest.newBuilder(uri(s, "/health"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(405, wrong.statusCode());
    assertEquals("GET, HEAD", wrong.headers().firstValue("Allow").orElse(""));

    HttpResponse<String> boom = send(HttpRequest.newBuilder(uri(s, "/boom")));
    assertEquals(422, boom.statusCode());
    assertEquals("{\"error\":\"bad thing \\\"quoted\\\"\"}", boom.body());

    HttpResponse<String> echo =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")));
    assertEquals(200, echo.statusCode());
    assertEquals("hello", echo.body());
  }

  @Test
  void bodiesPastTheLimitGet413WithTheReasonWhetherSizedOrChunked() throws Exception {
    HttpService s = start(HttpSettings.builder().maxBodyBytes(1000).build());
    HttpResponse<String> sized =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1001))));
    assertEquals(413, sized.statusCode());
    assertTrue(
        sized.body().contains("larger than the limit of 1000 bytes for POST /echo"), sized.body());
    HttpResponse<String> atLimit =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))));
    assertEquals(200, atLimit.statusCode());

    // chunked: no Content-Length, the limit is found while reading
    HttpResponse<String> chunked =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new java.io.ByteArrayInputStream(
                                "y".repeat(5000).getBytes(StandardCharsets.UTF_8)))));
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertTrue(chunked.body().contains("limit of 1000 bytes"), chunked.body());

    HttpResponse<String> route =
        send(
            HttpRequest.newBuilder(uri(s, "/small"))
                .POST(HttpRequest.BodyPublishers.ofString("12345678901")));
    assertEquals(413, route.statusCode());
    assertTrue(route.body().contains("limit of 10 bytes for POST /small"), route.body());
  }

  @Test
  void aForeignOriginIsRefusedOnStateChangingRoutesAndTheSameOriginIsNot() throws Exception {
    HttpService s = start(HttpSettings.loopback(0));
    HttpResponse<String> foreign =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(403, foreign.statusCode());
    assertTrue(foreign.body().contains("cross-origin request refused"), foreign.body());
    HttpResponse<String> otherPort =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Origin", "http://127.0.0.1:1")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(403, otherPort.statusCode());
    HttpResponse<String> nullOrigin =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Origin", "null")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(403, nullOrigin.statusCode());
    assertEquals(0, posts.get(), "no refused request reached the handler");

    HttpResponse<String> same =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Origin", "http://127.0.0.1:" + s.port())
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(200, same.statusCode(), same.body());
    HttpResponse<String> read =
        send(HttpRequest.newBuilder(uri(s, "/health")).header("Origin", "http://evil.example"));
    assertEquals(200, read.statusCode(), "reads are not state-changing");
  }

  @Test
  void aConfiguredTokenIsRequiredOnStateChangingRoutesOnly() throws Exception {
    HttpService s = start(HttpSettings.builder().bearerToken("s3cret").build());
    HttpResponse<String> none =
        send(
            HttpRequest.newBuilder(uri(s, "/echo")).POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(401, none.statusCode());
    assertTrue(none.body().contains("bearer token is required"), none.body());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    HttpResponse<String> bad =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Authorization", "Bearer s3cre")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(401, bad.statusCode());
    assertTrue(bad.body().contains("wrong"), bad.body());
    assertEquals(0, posts.get());
    HttpResponse<String> good =
        send(
            HttpRequest.newBuilder(uri(s, "/echo"))
                .header("Authorization", "Bearer s3cret")
                .POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(200, good.statusCode());
    assertEquals(200, send(HttpRequest.newBuilder(uri(s, "/health"))).statusCode());
  }

  @Test
  void aLoopbackServerRefusesForeignHostNames() throws Exception {
    HttpService s = start(HttpSettings.loopback(0));
    String answer =
        raw(
            s.port(),
            "GET /health HTTP/1.1\r\nHost: rebound.example:"
                + s.port()
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
    assertTrue(answer.contains("bound to loopback"), answer);
    String local =
        raw(
            s.port(),
            "GET /health HTTP/1.1\r\nHost: localhost:"
                + s.port()
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(local.startsWith("HTTP/1.1 200"), local);
  }

  @Test
  void eventStreamsSendDataEventsPeriodically() throws Exception {
    HttpService s = start(HttpSettings.loopback(0));
    try (Socket sock = new Socket("127.0.0.1", s.port())) {
      sock.setSoTimeout(5000);
      sock.getOutputStream()
          .write(
              ("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = sock.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buf = new byte[4096];
      long deadline = System.currentTimeMillis() + 5000;
      while (count(got.toString(), "data: {\"n\":1}") < 3
          && System.currentTimeMillis() < deadline) {
        int n = in.read(buf);
        if (n < 0) break;
        got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      assertTrue(got.toString().contains("text/event-stream"), got.toString());
      assertTrue(count(got.toString(), "data: {\"n\":1}") >= 3, got.toString());
    }
  }

  @Test
  void streamRoutesWriteNamedEventsPerRequestAndMayRefuseFirst() throws Exception {
    HttpService s = start(HttpSettings.loopback(0));
    HttpResponse<String> refused = send(HttpRequest.newBuilder(uri(s, "/stream")));
    assertEquals(404, refused.statusCode());
    assertTrue(refused.body().contains("no stream given"), refused.body());
    HttpResponse<String> ok = send(HttpRequest.newBuilder(uri(s, "/stream?stream=cam-1")));
    assertEquals(200, ok.statusCode());
    assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    assertEquals(
        "event: tick\ndata: {\"stream\":\"cam-1\",\"i\":0}\n\nevent: tick\ndata: {\"stream\":\"cam-1\",\"i\":1}\n\n"
            + "event: tick\ndata: {\"stream\":\"cam-1\",\"i\":2}\n\n",
        ok.body());
    // streams do not hold request workers: 20 open ones (more than the 16 workers) and /health
    // still answers
    List<Socket> open20 = new ArrayList<>();
    try {
      HttpService slow =
          HttpService.start(
              "slow",
              HttpSettings.loopback(0),
              List.of(
                  Route.get("/health", ex -> Reply.json(200, "{}")),
                  Route.stream(
                      "/forever",
                      (ex, sink) -> {
                        while (!sink.closing()) {
                          sink.send(null, "x");
                          Thread.sleep(100);
                        }
                      })));
      open.add(slow);
      for (int i = 0; i < 20; i++) {
        Socket sock = new Socket("127.0.0.1", slow.port());
        sock.getOutputStream()
            .write(
                "GET /forever HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        open20.add(sock);
      }
      Thread.sleep(300);
      long t0 = System.nanoTime();
      assertEquals(200, send(HttpRequest.newBuilder(uri(slow, "/health"))).statusCode());
      assertTrue(
          (System.nanoTime() - t0) / 1_000_000 < 1000,
          "health answered at once beside 20 open streams");
    } finally {
      for (Socket sock : open20) sock.close();
    }
  }

  /**
   * 50 clients that send half a request body and stall (and 10 more inside their headers) hold no
   * worker thread: /health and a POST answer at once meanwhile, and the idle timeout then
   * disconnects every stalled client.
   */
  @Test
  void fiftyStalledUploadsDoNotStopOtherRequestsAndAreDisconnectedByTheIdleTimeout()
      throws Exception {
    HttpService s = start(HttpSettings.builder().idleTimeout(Duration.ofSeconds(2)).build());
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Socket sock = new Socket();
        sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
        OutputStream out = sock.getOutputStream();
        out.write(
            ("POST /echo HTTP/1.1\r\nHost: 127.0.0.1:"
                    + s.port()
                    + "\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 1000\r\n\r\n"
                    + "z".repeat(500))
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        stalled.add(sock);
      }
      for (int i = 0; i < 10; i++) { // and 10 that stall inside their headers
        Socket sock = new Socket();
        sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
        sock.getOutputStream()
            .write(
                ("POST /echo HTTP/1.1\r\nHost: 127.0.0.1:" + s.port() + "\r\nContent-Le")
                    .getBytes(StandardCharsets.US_ASCII));
        stalled.add(sock);
      }
      Thread.sleep(300); // the server has read every header and half body by now
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> h = send(HttpRequest.newBuilder(uri(s, "/health")));
        HttpResponse<String> p =
            send(
                HttpRequest.newBuilder(uri(s, "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofString("ok")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, h.statusCode());
        assertEquals("ok", p.body());
        assertTrue(ms < 1000, "health + post took " + ms + " ms with 50 stalled uploads");
      }
      assertEquals(5, posts.get(), "no stalled upload reached the handler");
      // every stalled client is answered (408) or disconnected once the idle timeout passes
      long t0 = System.nanoTime();
      for (Socket sock : stalled) {
        sock.setSoTimeout(8000);
        String answer;
        try {
          answer = readAll(sock.getInputStream());
        } catch (SocketTimeoutException e) {
          throw new AssertionError(
              "a stalled client was still connected after "
                  + (System.nanoTime() - t0) / 1_000_000
                  + " ms");
        } catch (IOException reset) {
          answer = "reset";
        }
        assertTrue(
            answer.isEmpty()
                || answer.equals("reset")
                || answer.startsWith("HTTP/1.1 408")
                || answer.startsWith("HTTP/1.1 500"),
            answer);
      }
      assertEquals(5, posts.get());
    } finally {
      for (Socket sock : stalled) sock.close();
    }
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }

  private static String raw(int port, String request) throws IOException {
    try (Socket sock = new Socket("127.0.0.1", port)) {
      sock.setSoTimeout(5000);
      sock.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return readAll(sock.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toString(StandardCharsets.UTF_8);
  }
}
