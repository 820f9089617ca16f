package io.streamalign.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.streamalign.model.Inference;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Json;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.ServedModel;
import io.streamalign.serving.predict.Conversions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The serving HTTP endpoint on {@code com.sun.net.httpserver}, bound to 127.0.0.1 by default.
 *
 * <ul>
 *   <li>{@code POST /predict}: body JSON
 *       {@code {"video": {"shape": [1,28,28], "data": "<base64 float32 LE>"}, "audio": ..., "text": ...}}
 *       (any non-empty subset; optional {@code "sampleId"}, {@code "streamId"}, {@code "eventTimeMs"}), or
 *       with {@code Content-Type: application/avro} the single-object Avro bytes of a {@code PairedSample}.
 *       Answers the prediction as JSON; 400 with {@code {"error": ...}} on bad input, 503 with no model.</li>
 *   <li>{@code GET /model}: served model name, version, classes, modalities, enrolled classes.</li>
 *   <li>{@code GET /health}: 200 {@code UP} when a model is served and the loops run, else 503.</li>
 *   <li>{@code GET /metrics}: Prometheus text exposition.</li>
 * </ul>
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final int MAX_BODY = 16 * 1024 * 1024;

    private final ObjectMapper json = Json.mapper();
    private final AvroSerde<PairedSample> avro = AvroSerde.of(PairedSample.class);
    private final HttpServer server;
    private final ExecutorService executor;
    private final ModelHolder holder;
    private final Enrollments enrollments;
    private final ServingMetrics metrics;
    private final BooleanSupplier loopsRunning;
    private final int topK;

    /**
     * Binds the server (port 0 or -1: any free port) and starts it.
     *
     * @param loopsRunning whether the Kafka loops are alive (for {@code /health})
     */
    public HttpApi(String host, int port, ModelHolder holder, Enrollments enrollments, ServingMetrics metrics,
                   BooleanSupplier loopsRunning, int topK) throws IOException {
        this.holder = holder;
        this.enrollments = enrollments;
        this.metrics = metrics;
        this.loopsRunning = loopsRunning;
        this.topK = topK;
        this.server = HttpServer.create(new InetSocketAddress(host, Math.max(0, port)), 64);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "serving-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/predict", ex -> handle(ex, "POST", this::predict));
        server.createContext("/model", ex -> handle(ex, "GET", this::model));
        server.createContext("/health", ex -> handle(ex, "GET", this::health));
        server.createContext("/metrics", ex -> handle(ex, "GET", this::metrics));
        server.start();
        LOG.info("HTTP on http://{}:{}/ (predict, model, health, metrics)", host, port());
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, String method, Handler h) {
        try {
            if (!method.equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", method);
                send(ex, 405, error("use " + method));
                return;
            }
            h.handle(ex);
        } catch (HttpError e) {
            trySend(ex, e.status, error(e.getMessage()));
        } catch (RuntimeException | IOException e) {
            LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            trySend(ex, 500, error(e.toString()));
        } finally {
            ex.close(); // after the error answer: a try-with-resources would close before the catch
        }
    }

    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void predict(HttpExchange ex) throws IOException {
        byte[] body = readBody(ex);
        String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("application/json");
        PairedSample p;
        try {
            p = type.toLowerCase().startsWith("application/avro") ? avro.decode(body) : fromJson(body);
        } catch (HttpError e) {
            throw e;
        } catch (RuntimeException | IOException e) {
            throw new HttpError(400, "cannot read the sample: " + e.getMessage());
        }
        Optional<ModelHolder.Lease> lease = holder.acquire();
        if (lease.isEmpty()) throw new HttpError(503, "no model loaded yet");
        try (ModelHolder.Lease l = lease.get()) {
            ServedModel m = l.model();
            Sample s;
            try {
                s = Conversions.toSample(p, m.config());
            } catch (Conversions.BadSampleException e) {
                throw new HttpError(400, e.getMessage());
            }
            Inference inf = m.predict(s);
            String nonFinite = Conversions.nonFiniteScore(inf);
            if (nonFinite != null) throw new HttpError(422, "cannot predict this sample: " + nonFinite);
            metrics.httpPrediction();
            ObjectNode out = json.createObjectNode();
            out.put("sampleId", p.getSampleId());
            out.put("label", inf.label());
            out.put("score", inf.score());
            ArrayNode top = out.putArray("topK");
            for (Inference.ClassScore cs : inf.topK()) {
                if (top.size() >= topK) break;
                top.addObject().put("className", cs.className()).put("score", cs.score());
            }
            ArrayNode used = out.putArray("modalitiesUsed");
            for (Modality mod : Modality.values()) if (inf.modalities().contains(mod)) used.add(mod.name());
            out.put("modelName", m.modelName());
            out.put("modelVersion", m.version());
            send(ex, 200, out);
        }
    }

    private PairedSample fromJson(byte[] body) throws IOException {
        JsonNode root = json.readTree(body);
        if (root == null || !root.isObject()) throw new HttpError(400, "body must be a JSON object");
        PairedSample.Builder b = PairedSample.newBuilder()
                .setSampleId(text(root, "sampleId", "http-" + UUID.randomUUID()))
                .setStreamId(text(root, "streamId", "http"))
                .setEventTimeMs(root.path("eventTimeMs").asLong(System.currentTimeMillis()));
        b.setVideo(tensor(root, "video"));
        b.setAudio(tensor(root, "audio"));
        b.setText(tensor(root, "text"));
        return b.build();
    }

    private static String text(JsonNode root, String field, String dflt) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    private static FeatureTensor tensor(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        JsonNode shapeNode = n.get("shape");
        JsonNode data = n.get("data");
        if (shapeNode == null || !shapeNode.isArray() || data == null || !data.isTextual()) {
            throw new HttpError(400, field + " needs \"shape\" (array of ints) and \"data\" (base64 float32 LE)");
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asInt();
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.asText());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, field + ".data is not base64: " + e.getMessage());
        }
        if (bytes.length % 4 != 0) throw new HttpError(400, field + ".data is not a whole number of float32 values");
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        try {
            return FeatureTensors.of(values, shape);
        } catch (RuntimeException e) {
            throw new HttpError(400, field + ": " + e.getMessage());
        }
    }

    private void model(HttpExchange ex) throws IOException {
        Optional<ServedModel> m = holder.peek();
        if (m.isEmpty()) throw new HttpError(503, "no model loaded yet");
        ObjectNode out = json.createObjectNode();
        out.put("modelName", m.get().modelName());
        out.put("version", m.get().version());
        out.put("loadedAtMs", m.get().loadedAtMs());
        ArrayNode classes = out.putArray("classes");
        Optional<ModelHolder.Lease> lease = holder.acquire();
        if (lease.isPresent()) {
            try (ModelHolder.Lease l = lease.get()) {
                l.model().classes().forEach(classes::add);
            }
        }
        ArrayNode mods = out.putArray("modalities");
        m.get().modalities().forEach(x -> mods.add(x.name()));
        ObjectNode enrolled = out.putObject("enrolled");
        enrollments.summary().forEach((cls, counts) -> {
            ObjectNode c = enrolled.putObject(cls);
            counts.forEach((mod, n) -> c.put(mod.name(), n));
        });
        send(ex, 200, out);
    }

    private void health(HttpExchange ex) throws IOException {
        long v = holder.version();
        boolean up = v >= 0 && loopsRunning.getAsBoolean();
        ObjectNode out = json.createObjectNode();
        out.put("status", up ? "UP" : "DOWN");
        out.put("modelVersion", v);
        send(ex, up ? 200 : 503, out);
    }

    private void metrics(HttpExchange ex) throws IOException {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    private static byte[] readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) throw new HttpError(413, "body larger than " + MAX_BODY + " bytes");
            return b;
        }
    }

    private ObjectNode error(String message) {
        return json.createObjectNode().put("error", message);
    }

    private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = json.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private void trySend(HttpExchange ex, int status, JsonNode body) {
        try {
            send(ex, status, body);
        } catch (IOException | RuntimeException ignored) {
            // headers already sent or client gone
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Base64 of float32 little-endian values: the {@code data} field of a JSON tensor. */
    public static String encode(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
