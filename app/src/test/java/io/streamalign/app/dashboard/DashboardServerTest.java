package io.streamalign.app.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.http.HttpSettings;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The dashboard on the shared HTTP server: its routes, and the checks on POST /api/enroll (no
 * broker).
 */
class DashboardServerTest {

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> enroll(DashboardServer s, String origin, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(s.url() + "api/enroll"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"className\":\"x\",\"files\":[]}"));
    if (origin != null) b.header("Origin", origin);
    if (token != null) b.header("Authorization", "Bearer " + token);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesThePageStateAndEventsAndGuardsEnrollment() throws Exception {
    try (DashboardServer s =
        new DashboardServer(HttpSettings.builder().bearerToken("tok").build(), new DashboardState())
            .start()) {
      assertTrue(s.url().startsWith("http://127.0.0.1:"), s.url());
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(s.url())).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(
          page.body().contains("Enroll a new class") && page.body().contains("Authorization"),
          "the page, with the token field");
      assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));
      HttpResponse<String> state =
          http.send(
              HttpRequest.newBuilder(URI.create(s.url() + "api/state")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, state.statusCode());
      assertTrue(state.body().startsWith("{"), state.body());
      assertEquals(
          404,
          http.send(
                  HttpRequest.newBuilder(URI.create(s.url() + "nope")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());

      HttpResponse<String> foreign = enroll(s, "http://evil.example", "tok");
      assertEquals(403, foreign.statusCode());
      assertTrue(foreign.body().contains("cross-origin request refused"), foreign.body());
      HttpResponse<String> noToken = enroll(s, "http://127.0.0.1:" + s.port(), null);
      assertEquals(401, noToken.statusCode());
      HttpResponse<String> passed = enroll(s, "http://127.0.0.1:" + s.port(), "tok");
      assertEquals(503, passed.statusCode(), "past the checks; no enroller configured here");
      assertTrue(passed.body().contains("enrollment is not enabled"), passed.body());

      try (Socket sock = new Socket("127.0.0.1", s.port())) {
        sock.setSoTimeout(5000);
        sock.getOutputStream()
            .write(
                "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        InputStream in = sock.getInputStream();
        StringBuilder got = new StringBuilder();
        byte[] buf = new byte[8192];
        while (!got.toString().contains("data: {")) {
          int n = in.read(buf);
          if (n < 0) break;
          got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        assertTrue(
            got.toString().contains("text/event-stream") && got.toString().contains("data: {"),
            got.toString());
      }
    }
  }
}
