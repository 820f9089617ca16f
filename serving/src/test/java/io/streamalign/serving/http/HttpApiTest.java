package io.streamalign.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import io.streamalign.serving.model.ServedModel;
import io.streamalign.serving.model.TinyLearner;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP endpoint's contract without Kafka: status codes, JSON shapes, loopback binding. */
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
        return client.send(HttpRequest.newBuilder(URI.create(base + "/predict")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String audioJson(int n) {
        return "{\"audio\": {\"shape\": [" + n + "], \"data\": \"" + HttpApi.encode(new float[n]) + "\"}}";
    }

    @Test
    void answersWithStatusCodesAndJson() throws Exception {
        assertEquals(503, post(audioJson(cfg.featureSize(Modality.AUDIO))).statusCode(), "no model yet");
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
}
