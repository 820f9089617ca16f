package io.streamalign.app.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The live dashboard: one self-contained page (no CDN: its script and style are served from the
 * jar) that follows the run through server-sent events ({@code /events}, one JSON state a second).
 * Also {@code /api/state} (the same JSON) and {@code /health}. Bound to loopback by default.
 */
public final class DashboardServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final DashboardState state;
    private volatile Enroller enroller;
    private volatile boolean closed;

    public DashboardServer(String bindAddress, int port, DashboardState state) throws IOException {
        this.state = state;
        this.server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "streamalign-dashboard-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::page);
        server.createContext("/api/state", ex -> send(ex, 200, "application/json", state.toJson(600)));
        server.createContext("/health", ex -> send(ex, 200, "application/json", "{\"status\":\"UP\"}"));
        server.createContext("/events", this::events);
        server.createContext("/api/enroll", this::enroll);
    }

    /** Enables the enrollment form (POST /api/enroll); without it the endpoint answers 503. */
    public DashboardServer withEnroller(Enroller e) {
        this.enroller = e;
        return this;
    }

    private void enroll(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, "application/json", "{\"error\":\"POST a JSON body\"}");
            return;
        }
        Enroller e = enroller;
        if (e == null) {
            send(ex, 503, "application/json", "{\"error\":\"enrollment is not enabled\"}");
            return;
        }
        try {
            byte[] body = ex.getRequestBody().readNBytes(64 * 1024 * 1024);
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            java.util.List<byte[]> files = new java.util.ArrayList<>();
            if (n.path("files").isArray()) {
                for (com.fasterxml.jackson.databind.JsonNode f : n.path("files")) {
                    files.add(java.util.Base64.getDecoder().decode(f.asText()));
                }
            }
            int k = e.enroll(n.path("className").asText(null), n.path("modality").asText("AUDIO"), files);
            send(ex, 200, "application/json", "{\"enrolled\":" + k + ",\"className\":"
                    + DashboardState.str(n.path("className").asText()) + "}");
        } catch (IllegalArgumentException | IOException err) {
            send(ex, 400, "application/json", "{\"error\":" + DashboardState.str(String.valueOf(err.getMessage())) + "}");
        } catch (Exception err) {
            send(ex, 500, "application/json", "{\"error\":" + DashboardState.str(err.toString()) + "}");
        }
    }

    public DashboardServer start() {
        server.start();
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        String host = server.getAddress().getAddress().isAnyLocalAddress() ? "localhost" : server.getAddress().getHostString();
        return "http://" + host + ":" + port() + "/";
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain", "not found");
            return;
        }
        try (InputStream in = DashboardServer.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                send(ex, 500, "text/plain", "dashboard.html missing from the jar");
                return;
            }
            send(ex, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void events(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            while (!closed) {
                out.write(("data: " + state.toJson(600) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(1000);
            }
        } catch (IOException e) {
            // client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
