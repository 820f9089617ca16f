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
    private volatile CaptureApi capture;
    private volatile String token;
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
        server.createContext("/capture", this::capturePage);
        server.createContext("/api/capture/", this::captureApi);
    }

    /** Enables the capture page ({@code /capture}) and its API (see {@link CaptureApi}). */
    public DashboardServer withCapture(CaptureApi api) {
        this.capture = api;
        return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} on the capture API's state-changing calls (the page
     * takes it from its address, {@code /capture?token=...}); null = no token.
     */
    public DashboardServer withToken(String t) {
        this.token = t == null || t.isBlank() ? null : t;
        return this;
    }

    /** The capture page's address (with the token when one is set), or null when capture is off. */
    public String captureUrl() {
        if (capture == null) return null;
        return url() + "capture" + (token == null ? "" : "?token=" + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private void capturePage(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (capture == null) {
            send(ex, 404, "text/plain", "capture is not enabled");
            return;
        }
        CaptureApi.Response r = switch (path) {
            case "/capture", "/capture/" -> CaptureApi.resource("capture.html");
            case "/capture/worklet.js" -> CaptureApi.resource("capture-worklet.js");
            default -> CaptureApi.Response.error(404, "not found");
        };
        send(ex, r);
    }

    private void captureApi(HttpExchange ex) throws IOException {
        CaptureApi api = capture;
        if (api == null) {
            send(ex, 404, "application/json", "{\"error\":\"capture is not enabled\"}");
            return;
        }
        String path = ex.getRequestURI().getPath();
        String stream = query(ex, "stream");
        if (path.equals("/api/capture/events")) {
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, CaptureApi.Response.error(405, "GET the events"));
                return;
            }
            CaptureApi.Response refused = api.checkStream(stream);
            if (refused != null) {
                send(ex, refused);
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                api.events(stream, (event, data) -> {
                    out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }, () -> closed);
            } catch (IOException e) {
                // the page went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String denied = stateChangeDenied(ex);
        if (denied != null) {
            send(ex, CaptureApi.Response.error(denied.startsWith("POST") ? 405 : 403, denied));
            return;
        }
        byte[] body = ex.getRequestBody().readNBytes(api.maxBodyBytes() + 1);
        if (body.length > api.maxBodyBytes()) {
            send(ex, CaptureApi.Response.error(413, "request body over " + api.maxBodyBytes() + " bytes"));
            return;
        }
        CaptureApi.Response r = switch (path) {
            case "/api/capture/open" -> api.open();
            case "/api/capture/moment" -> api.moment(stream, body);
            case "/api/capture/enroll" -> api.enroll(body);
            case "/api/capture/close" -> api.close(stream);
            default -> CaptureApi.Response.error(404, "not found");
        };
        send(ex, r);
    }

    /**
     * Why a state-changing request is refused, or null: POST only; a browser's {@code Origin}, when sent,
     * must be this server's own ({@code http://} + the {@code Host} header), so no other site can drive it
     * from a visitor's browser; with a token, {@code Authorization: Bearer <token>} must carry it.
     */
    private String stateChangeDenied(HttpExchange ex) {
        if (!"POST".equals(ex.getRequestMethod())) return "POST is needed";
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host))) {
            return "cross-origin request refused (Origin " + origin + ")";
        }
        String t = token;
        if (t != null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            byte[] given = (auth == null ? "" : auth).getBytes(StandardCharsets.UTF_8);
            byte[] wanted = ("Bearer " + t).getBytes(StandardCharsets.UTF_8);
            if (!java.security.MessageDigest.isEqual(given, wanted)) return "a valid bearer token is needed";
        }
        return null;
    }

    private static String query(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) return null;
        for (String kv : q.split("&")) {
            int i = kv.indexOf('=');
            String k = java.net.URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            if (k.equals(name)) return i < 0 ? "" : java.net.URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static void send(HttpExchange ex, CaptureApi.Response r) throws IOException {
        ex.getResponseHeaders().add("Content-Type", r.contentType());
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(r.body());
        }
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
