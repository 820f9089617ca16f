package io.streamalign.trainer.metrics;

import io.streamalign.http.HttpService;
import io.streamalign.http.HttpSettings;
import io.streamalign.http.Reply;
import io.streamalign.http.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The trainer's HTTP server for {@code /metrics} (Prometheus text format 0.0.4) and {@code /health}
 * (JSON; 200 while healthy, 503 otherwise), on the project's one HTTP server setup ({@link
 * HttpService}: idle timeouts, bounded threads, README "HTTP security").
 *
 * <p>Binds to the given address, {@code 127.0.0.1} by default in the trainer's config, so metrics
 * are not exposed beyond the machine unless asked. Only GET and HEAD are served.
 */
public final class MetricsServer implements AutoCloseable {

  /** What {@code /health} reports: whether healthy, and a JSON body. */
  public record Health(boolean healthy, String json) {}

  private final HttpService server;

  private MetricsServer(HttpService server) {
    this.server = server;
  }

  /** Starts serving on {@code bindAddress:port} (port 0 = any free port). */
  public static MetricsServer start(
      String bindAddress, int port, Supplier<String> metrics, Supplier<Health> health)
      throws IOException {
    return start(
        HttpSettings.builder().host(bindAddress).port(port).maxThreads(4).build(), metrics, health);
  }

  /** Starts serving with these settings. */
  public static MetricsServer start(
      HttpSettings settings, Supplier<String> metrics, Supplier<Health> health) throws IOException {
    return new MetricsServer(
        HttpService.start(
            "trainer-metrics",
            settings,
            List.of(
                Route.get(
                    "/metrics",
                    ex ->
                        Reply.of(
                            200,
                            "text/plain; version=0.0.4; charset=utf-8",
                            metrics.get().getBytes(StandardCharsets.UTF_8))),
                Route.get(
                    "/health",
                    ex -> {
                      Health h = health.get();
                      return Reply.json(h.healthy() ? 200 : 503, h.json());
                    }))));
  }

  /** The port actually bound. */
  public int port() {
    return server.port();
  }

  /** The address actually bound. */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.settings().host(), server.port());
  }

  @Override
  public void close() {
    server.close();
  }
}
