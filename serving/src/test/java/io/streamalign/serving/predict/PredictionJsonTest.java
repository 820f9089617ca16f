package io.streamalign.serving.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.Prediction;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The JSON mirror's rendering of a prediction: every Avro field, plain JSON that jq and Jackson
 * read.
 */
class PredictionJsonTest {

  static Prediction prediction(String label, double score, String trueLabel) {
    return Prediction.newBuilder()
        .setSampleId("cam-1#7")
        .setStreamId("cam-1")
        .setLabel(label)
        .setScore(score)
        .setTopK(List.of(new ClassScore(label, score), new ClassScore("3", 0.125)))
        .setModalitiesUsed(List.of(Modality.VIDEO, Modality.AUDIO))
        .setModelName("demo")
        .setModelVersion(12L)
        .setEventTimeMs(1_700_000_000_000L)
        .setPublishTimeMs(1_700_000_000_040L)
        .setLatencyMs(40L)
        .setTrueLabel(trueLabel)
        .build();
  }

  @Test
  void everyFieldIsThereWithItsPlainValue() throws Exception {
    String json = PredictionJson.toJson(prediction("7", 0.75, "7"));
    assertFalse(json.contains("\n"), "one line per record");
    JsonNode n = new ObjectMapper().readTree(json);
    for (Schema.Field f : Prediction.getClassSchema().getFields()) {
      assertTrue(n.has(f.name()), "field " + f.name() + " in " + json);
    }
    assertEquals(Prediction.getClassSchema().getFields().size(), n.size());
    assertEquals("cam-1#7", n.get("sampleId").asText());
    assertEquals("7", n.get("label").asText());
    assertEquals(0.75, n.get("score").asDouble());
    assertEquals("3", n.get("topK").get(1).get("className").asText());
    assertEquals(0.125, n.get("topK").get(1).get("score").asDouble());
    assertEquals("VIDEO", n.get("modalitiesUsed").get(0).asText());
    assertEquals(12L, n.get("modelVersion").asLong());
    assertEquals(1_700_000_000_000L, n.get("eventTimeMs").asLong());
    assertEquals("7", n.get("trueLabel").asText(), "a union is its plain value");
  }

  @Test
  void nullsQuotesControlCharactersAndNonFiniteScoresStayValidJson() throws Exception {
    String json =
        PredictionJson.toJson(prediction("a \"quoted\"\\ label\n\t\u0001é", Double.NaN, null));
    JsonNode n = new ObjectMapper().readTree(json);
    assertEquals("a \"quoted\"\\ label\n\t\u0001é", n.get("label").asText());
    assertEquals("NaN", n.get("score").asText());
    assertTrue(n.get("trueLabel").isNull());
  }
}
