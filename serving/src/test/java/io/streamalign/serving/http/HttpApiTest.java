package io.streamalign.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.http.HttpSettings;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.ServedModel;
import io.streamalign.serving.model.TinyLearner;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP endpoint's contract without Kafka: status codes, JSON shapes, loopback binding, clear
 * 4xx for bad media, Origin and token checks on POST /predict, and answers while 50 uploads stall.
 */
@Timeout(60)
class HttpApiTest {

  private final ModelHolder holder = new ModelHolder();
  private final ServingMetrics metrics = new ServingMetrics(holder::version);
  private final HttpClient client = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final LearnerConfig cfg = LearnerConfig.defaults();
  private HttpApi api;
  private String base;

  @BeforeEach
  void start() throws Exception {
    api = new HttpApi("127.0.0.1", -1, holder, new Enrollments(5), metrics, () -> true, 3);
    base = "http://127.0.0.1:" + api.port();
  }

  @AfterEach
  void stop() {
    api.close();
    holder.close();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + "/predict"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String audioJson(int n) {
    return "{\"audio\": {\"shape\": ["
        + n
        + "], \"data\": \""
        + HttpApi.encode(new float[n])
        + "\"}}";
  }

  @Test
  void answersWithStatusCodesAndJson() throws Exception {
    assertEquals(
        503, post(audioJson(cfg.featureSize(Modality.AUDIO))).statusCode(), "no model yet");
    assertEquals(503, get("/health").statusCode());
    assertEquals(503, get("/model").statusCode());

    holder.swap(new ServedModel("m", 7, new TinyLearner(cfg), Set.of(Modality.AUDIO)));
    HttpResponse<String> ok = post(audioJson(cfg.featureSize(Modality.AUDIO)));
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode p = json.readTree(ok.body());
    assertEquals("a", p.get("label").asText());
    assertEquals(7, p.get("modelVersion").asLong());
    assertEquals("AUDIO", p.get("modalitiesUsed").get(0).asText());

    HttpResponse<String> wrongSize = post(audioJson(10));
    assertEquals(400, wrongSize.statusCode());
    assertTrue(json.readTree(wrongSize.body()).get("error").asText().contains("the model takes"));
    assertEquals(400, post("{\"audio\": {\"shape\": [2], \"data\": \"***\"}}").statusCode());
    assertEquals(400, post("{}").statusCode());
    assertEquals(400, post("not json").statusCode());
    assertEquals(405, get("/predict").statusCode());

    JsonNode model = json.readTree(get("/model").body());
    assertEquals(7, model.get("version").asLong());
    assertEquals(2, model.get("classes").size());
    assertEquals(200, get("/health").statusCode());
    String prom = get("/metrics").body();
    assertTrue(prom.contains("streamalign_serving_model_version 7.0"), prom);
    assertTrue(prom.contains("streamalign_serving_predictions_total{source=\"http\"} 1.0"), prom);
  }

  private HttpResponse<String> postTyped(String type, byte[] body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + "/predict"))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String error(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body()).get("error").asText();
  }

  @Test
  void badMediaAndBadRequestsGetA4xxWithTheReason() throws Exception {
    holder.swap(new ServedModel("m", 1, new TinyLearner(cfg), Set.of(Modality.AUDIO)));
    HttpResponse<String> xml =
        postTyped("application/xml", "<a/>".getBytes(StandardCharsets.UTF_8));
    assertEquals(415, xml.statusCode());
    assertTrue(error(xml).contains("image/png"), xml.body());
    HttpResponse<String> png =
        postTyped("image/png", "GIF89a not a png".getBytes(StandardCharsets.UTF_8));
    assertEquals(400, png.statusCode());
    assertTrue(error(png).startsWith("image: not a PNG or JPEG image"), png.body());
    byte[] brokenPng = {
      (byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'
    };
    HttpResponse<String> broken = postTyped("image/png", brokenPng);
    assertEquals(400, broken.statusCode());
    assertTrue(error(broken).startsWith("image: "), broken.body());
    HttpResponse<String> wav =
        postTyped("audio/wav", "RIFX....WAVE".getBytes(StandardCharsets.UTF_8));
    assertEquals(400, wav.statusCode());
    assertTrue(error(wav).startsWith("wav: "), wav.body());
    HttpResponse<String> empty = postTyped("image/jpeg", new byte[0]);
    assertEquals(400, empty.statusCode());
    assertTrue(error(empty).contains("empty body"), empty.body());
    HttpResponse<String> unknown = post("{\"imgae\": \"AAAA\"}");
    assertEquals(400, unknown.statusCode());
    assertTrue(error(unknown).contains("unknown field 'imgae'"), unknown.body());
    HttpResponse<String> notB64 = post("{\"wav\": \"***\"}");
    assertEquals(400, notB64.statusCode());
    assertTrue(error(notB64).contains("wav is not base64"), notB64.body());
    HttpResponse<String> both =
        post("{\"wav\": \"AAAA\", \"audio\": {\"shape\": [1], \"data\": \"AAAAAA==\"}}");
    assertEquals(400, both.statusCode());
    assertTrue(error(both).contains("not both"), both.body());
    HttpResponse<String> none = post("{\"sampleId\": \"x\"}");
    assertEquals(400, none.statusCode());
    assertTrue(error(none).contains("no modality"), none.body());
    HttpResponse<String> big = postTyped("image/png", new byte[(int) HttpApi.MAX_BODY + 1]);
    assertEquals(413, big.statusCode());
    assertTrue(
        error(big).contains("limit of " + HttpApi.MAX_BODY + " bytes for POST /predict"),
        big.body());
  }

  @Test
  void predictRefusesAForeignOriginAndAsksForTheTokenWhenOneIsSet() throws Exception {
    holder.swap(new ServedModel("m", 1, new TinyLearner(cfg), Set.of(Modality.AUDIO)));
    try (HttpApi secured =
        new HttpApi(
            HttpSettings.builder().bearerToken("t0ken").build(),
            holder,
            new Enrollments(5),
            metrics,
            () -> true,
            3)) {
      String url = "http://127.0.0.1:" + secured.port() + "/predict";
      String body = audioJson(cfg.featureSize(Modality.AUDIO));
      HttpResponse<String> foreign =
          client.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Origin", "http://attacker.example")
                  .header("Authorization", "Bearer t0ken")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(403, foreign.statusCode());
      assertTrue(error(foreign).contains("cross-origin"), foreign.body());
      HttpResponse<String> anonymous =
          client.send(
              HttpRequest.newBuilder(URI.create(url))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode());
      HttpResponse<String> ok =
          client.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Bearer t0ken")
                  .header("Origin", "http://127.0.0.1:" + secured.port())
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + secured.port() + "/health"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), "reads need no token");
    }
  }

  /** Issue 17: two stalled uploads froze the whole API; now 50 do not delay /health or /predict. */
  @Test
  void fiftyStalledUploadsDoNotStopHealthOrPredict() throws Exception {
    holder.swap(new ServedModel("m", 3, new TinyLearner(cfg), Set.of(Modality.AUDIO)));
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Socket sock = new Socket();
        sock.connect(new InetSocketAddress("127.0.0.1", api.port()), 5000);
        OutputStream out = sock.getOutputStream();
        out.write(
            ("POST /predict HTTP/1.1\r\nHost: 127.0.0.1:"
                    + api.port()
                    + "\r\nContent-Type: image/png\r\n"
                    + "Content-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[50_000]);
        out.flush();
        stalled.add(sock);
      }
      Thread.sleep(300);
      String body = audioJson(cfg.featureSize(Modality.AUDIO));
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> h = get("/health");
        HttpResponse<String> p = post(body);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, h.statusCode(), h.body());
        assertEquals(200, p.statusCode(), p.body());
        assertTrue(ms < 2000, "health + predict took " + ms + " ms with 50 stalled uploads");
      }
    } finally {
      for (Socket sock : stalled) sock.close();
    }
  }
}
