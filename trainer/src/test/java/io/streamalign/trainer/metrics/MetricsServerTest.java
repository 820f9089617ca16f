package io.streamalign.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The trainer's /metrics and /health on the shared HTTP server: same answers as before the move to
 * Jetty.
 */
class MetricsServerTest {

  @Test
  void servesMetricsAndHealthOnLoopbackAndOnlyGetAndHead() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(false);
    try (MetricsServer s =
        MetricsServer.start(
            "127.0.0.1",
            0,
            () -> "streamalign_up 1\n",
            () ->
                new MetricsServer.Health(
                    healthy.get(), "{\"status\":\"" + (healthy.get() ? "UP" : "DOWN") + "\"}"))) {
      assertEquals("127.0.0.1", s.address().getHostString());
      HttpClient c = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + s.port();
      HttpResponse<String> m =
          c.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, m.statusCode());
      assertEquals("streamalign_up 1\n", m.body());
      assertTrue(
          m.headers()
              .firstValue("Content-Type")
              .orElse("")
              .startsWith("text/plain; version=0.0.4"));
      HttpResponse<String> down =
          c.send(
              HttpRequest.newBuilder(URI.create(base + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, down.statusCode());
      assertEquals("{\"status\":\"DOWN\"}", down.body());
      healthy.set(true);
      HttpResponse<String> up =
          c.send(
              HttpRequest.newBuilder(URI.create(base + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, up.statusCode());
      HttpResponse<String> post =
          c.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
      assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }
  }
}
