package io.streamalign.trainer.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A small HTTP server (the JDK's {@code com.sun.net.httpserver}) for a service's {@code /metrics}
 * (Prometheus text format 0.0.4) and {@code /health} (JSON; 200 while healthy, 503 otherwise).
 *
 * <p>Binds to the given address, {@code 127.0.0.1} by default in the trainer's config, so metrics are
 * not exposed beyond the machine unless asked. Only GET and HEAD are served.
 */
public final class MetricsServer implements AutoCloseable {

    /** What {@code /health} reports: whether healthy, and a JSON body. */
    public record Health(boolean healthy, String json) {}

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving on {@code bindAddress:port} (port 0 = any free port). */
    public static MetricsServer start(String bindAddress, int port, Supplier<String> metrics, Supplier<Health> health)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 16);
        server.createContext("/metrics", ex -> respond(ex, () -> {
            byte[] body = metrics.get().getBytes(StandardCharsets.UTF_8);
            return new Response(200, "text/plain; version=0.0.4; charset=utf-8", body);
        }));
        server.createContext("/health", ex -> respond(ex, () -> {
            Health h = health.get();
            return new Response(h.healthy() ? 200 : 503, "application/json", h.json().getBytes(StandardCharsets.UTF_8));
        }));
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "streamalign-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new MetricsServer(server, executor);
    }

    private record Response(int status, String contentType, byte[] body) {}

    private static void respond(HttpExchange ex, Supplier<Response> handler) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            Response r;
            try {
                r = handler.get();
            } catch (RuntimeException e) {
                r = new Response(500, "text/plain; charset=utf-8",
                        ("error: " + e).getBytes(StandardCharsets.UTF_8));
            }
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            if ("HEAD".equals(method)) {
                ex.sendResponseHeaders(r.status(), -1);
                return;
            }
            ex.sendResponseHeaders(r.status(), r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        }
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
