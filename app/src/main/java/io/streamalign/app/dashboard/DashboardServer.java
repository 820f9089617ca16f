package io.streamalign.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.http.HttpError;
import io.streamalign.http.HttpService;
import io.streamalign.http.HttpSettings;
import io.streamalign.http.Reply;
import io.streamalign.http.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The live dashboard: one self-contained page (no CDN: its script and style are served from the
 * jar) that follows the run through server-sent events ({@code /events}, one JSON state a second).
 * Also {@code /api/state} (the same JSON), {@code /health} and {@code POST /api/enroll}.
 *
 * <p>Served by the project's one HTTP server setup ({@link HttpService}, Jetty): loopback by
 * default, idle timeouts, bounded bodies and threads; {@code /api/enroll} checks Origin and, when
 * one is configured, the bearer token (README "HTTP security").
 */
public final class DashboardServer implements AutoCloseable {

  /** Largest enrollment request: {@link Enroller#MAX_EXAMPLES} base64 files. */
  public static final long MAX_ENROLL_BYTES = 64L * 1024 * 1024;

  private HttpSettings settings;
  private final DashboardState state;
  private final ObjectMapper json = new ObjectMapper();
  private final List<Route> extraRoutes = new ArrayList<>();
  private volatile Enroller enroller;
  private boolean hasCapture;
  private HttpService server;

  /**
   * A dashboard on {@code bindAddress:port} (port 0 = any free port) with the default limits and no
   * token.
   */
  public DashboardServer(String bindAddress, int port, DashboardState state) {
    this(HttpSettings.builder().host(bindAddress).port(port).build(), state);
  }

  public DashboardServer(HttpSettings settings, DashboardState state) {
    this.settings = settings;
    this.state = state;
  }

  /** Enables the enrollment form (POST /api/enroll); without it the endpoint answers 503. */
  public DashboardServer withEnroller(Enroller e) {
    this.enroller = e;
    return this;
  }

  /**
   * Enables the capture page ({@code /capture}: teach and watch from a browser's camera and
   * microphone) and its API ({@link CaptureApi#routes()}).
   */
  public DashboardServer withCapture(CaptureApi api) {
    api.routes().forEach(this::withRoute);
    hasCapture = true;
    return this;
  }

  /** The capture page's address, or null when capture is off. */
  public String captureUrl() {
    return hasCapture ? url() + "capture" : null;
  }

  /**
   * Requires {@code Authorization: Bearer <token>} on every POST route (before {@link #start()});
   * null or blank = no token (README "HTTP security").
   */
  public DashboardServer withToken(String token) {
    if (server != null) throw new IllegalStateException("set the token before start()");
    this.settings = settings.toBuilder().bearerToken(token).build();
    return this;
  }

  /** The bearer token POST routes require, if any. */
  public java.util.Optional<String> token() {
    return settings.bearerToken();
  }

  /**
   * Adds a route (before {@link #start()}), served with the same limits and checks as the others.
   */
  public DashboardServer withRoute(Route route) {
    if (server != null) throw new IllegalStateException("add routes before start()");
    extraRoutes.add(route);
    return this;
  }

  public DashboardServer start() throws IOException {
    List<Route> routes =
        new ArrayList<>(
            List.of(
                Route.get("/", ex -> page()),
                Route.get("/api/state", ex -> Reply.json(200, state.toJson(600))),
                Route.get("/health", ex -> Reply.json(200, "{\"status\":\"UP\"}")),
                Route.events("/events", Duration.ofSeconds(1), () -> state.toJson(600)),
                Route.post("/api/enroll", MAX_ENROLL_BYTES, ex -> enroll(ex.body()))));
    routes.addAll(extraRoutes);
    server = HttpService.start("dashboard", settings, routes);
    return this;
  }

  private Reply enroll(byte[] body) throws Exception {
    Enroller e = enroller;
    if (e == null) return Reply.error(503, "enrollment is not enabled");
    JsonNode n;
    try {
      n = json.readTree(body);
    } catch (IOException err) {
      throw new HttpError(400, "the body is not JSON: " + err.getMessage());
    }
    if (n == null || !n.isObject())
      throw new HttpError(400, "POST a JSON object {className, modality, files}");
    List<byte[]> files = new ArrayList<>();
    if (n.path("files").isArray()) {
      for (JsonNode f : n.path("files")) {
        try {
          files.add(Base64.getDecoder().decode(f.asText()));
        } catch (IllegalArgumentException err) {
          throw new HttpError(
              400, "example " + (files.size() + 1) + " is not base64: " + err.getMessage());
        }
      }
    }
    try {
      int k = e.enroll(n.path("className").asText(null), n.path("modality").asText("AUDIO"), files);
      return Reply.json(
          200,
          "{\"enrolled\":"
              + k
              + ",\"className\":"
              + DashboardState.str(n.path("className").asText())
              + "}");
    } catch (IllegalArgumentException err) {
      throw new HttpError(400, String.valueOf(err.getMessage()));
    }
  }

  private static Reply page() {
    try (InputStream in = DashboardServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) return Reply.error(500, "dashboard.html missing from the jar");
      return Reply.of(200, "text/html; charset=utf-8", in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpService server() {
    if (server == null) throw new IllegalStateException("start() first");
    return server;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server().port();
  }

  public String url() {
    return server().url();
  }

  @Override
  public void close() {
    if (server != null) server.close();
  }
}
