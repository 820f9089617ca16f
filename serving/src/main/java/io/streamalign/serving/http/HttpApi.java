package io.streamalign.serving.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamalign.features.media.FeatureSet;
import io.streamalign.http.Exchange;
import io.streamalign.http.HttpError;
import io.streamalign.http.HttpService;
import io.streamalign.http.HttpSettings;
import io.streamalign.http.Reply;
import io.streamalign.http.Route;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The serving REST API, documented in {@code docs/openapi.yaml} (served at {@code GET
 * /openapi.yaml}), on the project's one HTTP server setup ({@link HttpService}: loopback by
 * default, idle timeouts, bounded bodies and threads, Origin and optional bearer token on {@code
 * POST /predict}).
 *
 * <ul>
 *   <li>{@code POST /predict}: a sample as media or as features. Media: the body is a PNG/JPEG
 *       image ({@code Content-Type: image/png|image/jpeg}), a WAV clip ({@code audio/wav}) or text
 *       ({@code text/plain}), or JSON {@code {"image": "<base64>", "wav": "<base64>", "text": "a
 *       seven"}} (any non-empty subset); media are featurized by {@link FeatureSet#defaults()}, the
 *       same featurizers and configs as pairing. Features: JSON {@code {"video": {"shape":
 *       [1,28,28], "data": "<base64 float32 LE>"}, "audio": ..., "text": {...}}}, or {@code
 *       application/avro} single-object bytes of a {@code PairedSample}. Answers the prediction as
 *       JSON; 4xx with {@code {"error": reason}} on bad input, 503 with no model.
 *   <li>{@code GET /model}, {@code GET /health}, {@code GET /metrics}, {@code GET /openapi.yaml}.
 * </ul>
 */
public final class HttpApi implements AutoCloseable {

  /** Largest /predict body. */
  public static final long MAX_BODY = 16L * 1024 * 1024;

  /** Where the build puts docs/openapi.yaml in the jar. */
  static final String OPENAPI_RESOURCE = "openapi.yaml";

  private static final Set<String> JSON_FIELDS =
      Set.of("sampleId", "streamId", "eventTimeMs", "video", "audio", "text", "image", "wav");
  private static final String MEDIA_TYPES =
      "application/json, application/avro, image/png, image/jpeg, audio/wav or text/plain";

  private final ObjectMapper json = Json.mapper();
  private final AvroSerde<PairedSample> avro = AvroSerde.of(PairedSample.class);
  private final FeatureSet featurizers = FeatureSet.defaults();
  private final HttpService server;
  private final ModelHolder holder;
  private final Enrollments enrollments;
  private final ServingMetrics metrics;
  private final BooleanSupplier loopsRunning;
  private final int topK;
  private final byte[] openApi;

  /**
   * Binds on {@code host:port} (port 0 or -1: any free port) with the default limits and no token.
   */
  public HttpApi(
      String host,
      int port,
      ModelHolder holder,
      Enrollments enrollments,
      ServingMetrics metrics,
      BooleanSupplier loopsRunning,
      int topK)
      throws IOException {
    this(
        HttpSettings.builder().host(host).port(Math.max(0, port)).build(),
        holder,
        enrollments,
        metrics,
        loopsRunning,
        topK);
  }

  /**
   * Binds the server and starts it.
   *
   * @param loopsRunning whether the Kafka loops are alive (for {@code /health})
   */
  public HttpApi(
      HttpSettings settings,
      ModelHolder holder,
      Enrollments enrollments,
      ServingMetrics metrics,
      BooleanSupplier loopsRunning,
      int topK)
      throws IOException {
    this.holder = holder;
    this.enrollments = enrollments;
    this.metrics = metrics;
    this.loopsRunning = loopsRunning;
    this.topK = topK;
    this.openApi = openApiDocument();
    this.server =
        HttpService.start(
            "serving",
            settings,
            List.of(
                Route.post("/predict", MAX_BODY, this::predict),
                Route.get("/model", ex -> model()),
                Route.get("/health", ex -> health()),
                Route.get(
                    "/metrics",
                    ex ->
                        Reply.text(
                            200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())),
                Route.get(
                    "/openapi.yaml",
                    ex -> Reply.of(200, "application/yaml; charset=utf-8", openApi))));
  }

  /** docs/openapi.yaml as packaged in the jar. */
  static byte[] openApiDocument() {
    try (InputStream in = HttpApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null)
        throw new IllegalStateException(
            OPENAPI_RESOURCE + " is missing from the jar (the build copies docs/openapi.yaml)");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Every route served, as "METHOD /path". */
  public List<String> routes() {
    return server.routeNames();
  }

  private Reply predict(Exchange ex) throws IOException {
    byte[] body = ex.body();
    if (body.length == 0)
      throw new HttpError(400, "empty body: send an image, a WAV clip, text or a JSON sample");
    String type = ex.mediaType().orElse("application/json");
    PairedSample p =
        switch (type) {
          case "application/json" -> fromJson(body);
          case "application/avro", "avro/binary" -> {
            try {
              yield avro.decode(body);
            } catch (RuntimeException e) {
              throw new HttpError(400, "cannot read the Avro PairedSample: " + e.getMessage());
            }
          }
          case "image/png", "image/jpeg", "image/jpg" ->
              sample(null, null, null)
                  .setVideo(media("image", body, featurizers::image, featurizers.videoShape()))
                  .build();
          case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave" ->
              sample(null, null, null)
                  .setAudio(media("wav", body, featurizers::wav, featurizers.audioShape()))
                  .build();
          case "text/plain" ->
              sample(null, null, null)
                  .setText(
                      media(
                          "text",
                          body,
                          b -> featurizers.text(new String(b, StandardCharsets.UTF_8)),
                          featurizers.textShape()))
                  .build();
          default ->
              throw new HttpError(
                  415, "unsupported Content-Type '" + type + "': send " + MEDIA_TYPES);
        };
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
      out.put("score", finite(inf.score()));
      ArrayNode top = out.putArray("topK");
      for (Inference.ClassScore cs : inf.topK()) {
        if (top.size() >= topK) break;
        top.addObject().put("className", cs.className()).put("score", finite(cs.score()));
      }
      ArrayNode used = out.putArray("modalitiesUsed");
      for (Modality mod : Modality.values())
        if (inf.modalities().contains(mod)) used.add(mod.name());
      out.put("modelName", m.modelName());
      out.put("modelVersion", m.version());
      return Reply.json(200, json.writeValueAsString(out));
    }
  }

  /** JSON has no NaN: a non-finite score is reported as 0. */
  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0.0;
  }

  private interface Featurize {
    float[] apply(byte[] media);
  }

  private static FeatureTensor media(String what, byte[] bytes, Featurize f, int[] shape) {
    float[] values;
    try {
      values = f.apply(bytes);
    } catch (RuntimeException e) {
      throw new HttpError(400, what + ": " + e.getMessage());
    }
    return FeatureTensors.of(values, shape);
  }

  private static PairedSample.Builder sample(String sampleId, String streamId, Long eventTimeMs) {
    return PairedSample.newBuilder()
        .setSampleId(sampleId == null ? "http-" + UUID.randomUUID() : sampleId)
        .setStreamId(streamId == null ? "http" : streamId)
        .setEventTimeMs(eventTimeMs == null ? System.currentTimeMillis() : eventTimeMs);
  }

  private PairedSample fromJson(byte[] body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "the body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new HttpError(400, "cannot read the body: " + e.getMessage());
    }
    if (root == null || !root.isObject()) throw new HttpError(400, "body must be a JSON object");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!JSON_FIELDS.contains(f))
        throw new HttpError(
            400, "unknown field '" + f + "' (known: " + new java.util.TreeSet<>(JSON_FIELDS) + ")");
    }
    JsonNode time = root.get("eventTimeMs");
    if (time != null && !time.isNull() && !time.canConvertToLong())
      throw new HttpError(400, "eventTimeMs must be an integer");
    PairedSample.Builder b =
        sample(
            text(root, "sampleId"),
            text(root, "streamId"),
            time == null || time.isNull() ? null : time.asLong());
    if (present(root, "image") && present(root, "video"))
      throw new HttpError(400, "give 'image' (media) or 'video' (features), not both");
    if (present(root, "wav") && present(root, "audio"))
      throw new HttpError(400, "give 'wav' (media) or 'audio' (features), not both");
    b.setVideo(
        present(root, "image")
            ? media("image", base64(root, "image"), featurizers::image, featurizers.videoShape())
            : tensor(root, "video"));
    b.setAudio(
        present(root, "wav")
            ? media("wav", base64(root, "wav"), featurizers::wav, featurizers.audioShape())
            : tensor(root, "audio"));
    JsonNode t = root.get("text");
    b.setText(
        t != null && t.isTextual()
            ? media(
                "text",
                t.asText().getBytes(StandardCharsets.UTF_8),
                x -> featurizers.text(new String(x, StandardCharsets.UTF_8)),
                featurizers.textShape())
            : tensor(root, "text"));
    if (b.getVideo() == null && b.getAudio() == null && b.getText() == null) {
      throw new HttpError(
          400,
          "no modality given: send at least one of image, wav, text (media) or video, audio, text (features)");
    }
    return b.build();
  }

  private static boolean present(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n != null && !n.isNull();
  }

  private static byte[] base64(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (!n.isTextual()) throw new HttpError(400, field + " must be a base64 string of the file");
    String b64 = n.asText();
    if (b64.startsWith("data:") && b64.indexOf(',') > 0)
      b64 = b64.substring(b64.indexOf(',') + 1); // a data: URL
    try {
      return Base64.getDecoder().decode(b64.replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, field + " is not base64: " + e.getMessage());
    }
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static FeatureTensor tensor(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) return null;
    JsonNode shapeNode = n.get("shape");
    JsonNode data = n.get("data");
    if (!n.isObject()
        || shapeNode == null
        || !shapeNode.isArray()
        || data == null
        || !data.isTextual()) {
      throw new HttpError(
          400, field + " needs \"shape\" (array of ints) and \"data\" (base64 float32 LE)");
    }
    int[] shape = new int[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!shapeNode.get(i).canConvertToInt())
        throw new HttpError(400, field + ".shape must hold integers");
      shape[i] = shapeNode.get(i).asInt();
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(data.asText());
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, field + ".data is not base64: " + e.getMessage());
    }
    if (bytes.length % 4 != 0)
      throw new HttpError(400, field + ".data is not a whole number of float32 values");
    float[] values = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    try {
      return FeatureTensors.of(values, shape);
    } catch (RuntimeException e) {
      throw new HttpError(400, field + ": " + e.getMessage());
    }
  }

  private Reply model() throws IOException {
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
    enrollments
        .summary()
        .forEach(
            (cls, counts) -> {
              ObjectNode c = enrolled.putObject(cls);
              counts.forEach((mod, n) -> c.put(mod.name(), n));
            });
    return Reply.json(200, json.writeValueAsString(out));
  }

  private Reply health() throws IOException {
    long v = holder.version();
    boolean up = v >= 0 && loopsRunning.getAsBoolean();
    ObjectNode out = json.createObjectNode();
    out.put("status", up ? "UP" : "DOWN");
    out.put("modelVersion", v);
    return Reply.json(up ? 200 : 503, json.writeValueAsString(out));
  }

  @Override
  public void close() {
    server.close();
  }

  /** Base64 of float32 little-endian values: the {@code data} field of a JSON tensor. */
  public static String encode(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return Base64.getEncoder().encodeToString(b.array());
  }
}
