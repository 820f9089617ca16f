package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.TrainerMetrics;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void unionsAreWrittenAsPlainValuesAndTextIsEscaped() throws Exception {
    Prediction p =
        Prediction.newBuilder()
            .setSampleId("s\"1\n")
            .setStreamId("cam\\1")
            .setLabel("seven")
            .setScore(0.5)
            .setTopK(List.of(new ClassScore("seven", 0.5)))
            .setModalitiesUsed(List.of(Modality.TEXT))
            .setModelName("m")
            .setModelVersion(3)
            .setEventTimeMs(1)
            .setPublishTimeMs(2)
            .setLatencyMs(1)
            .setTrueLabel(null)
            .build();
    JsonNode json = mapper.readTree(AvroJson.toJson(p, p.getSchema(), false));
    assertEquals("s\"1\n", json.get("sampleId").asText());
    assertEquals("cam\\1", json.get("streamId").asText());
    assertTrue(json.get("trueLabel").isNull());
    assertEquals("TEXT", json.get("modalitiesUsed").get(0).asText());
    assertEquals(0.5, json.get("topK").get(0).get("score").asDouble());

    p.setTrueLabel("one");
    assertEquals(
        "one", mapper.readTree(AvroJson.toJson(p, p.getSchema(), false)).get("trueLabel").asText());
  }

  @Test
  void longBytesAreSummarizedUnlessAskedForAndShortOnesInlined() throws Exception {
    PairedSample s =
        PairedSample.newBuilder()
            .setSampleId("x")
            .setStreamId("cam")
            .setEventTimeMs(0)
            .setVideo(FeatureTensors.of(new float[100], 1, 10, 10))
            .setAudio(null)
            .setText(null)
            .build();
    JsonNode summarized = mapper.readTree(AvroJson.toJson(s, s.getSchema(), false));
    assertEquals("<400 bytes>", summarized.get("video").get("data").asText());
    assertEquals(10, summarized.get("video").get("shape").get(2).asInt());
    assertTrue(summarized.get("audio").isNull());
    assertEquals("STRONG", summarized.get("pairing").asText());

    JsonNode full = mapper.readTree(AvroJson.toJson(s, s.getSchema(), true));
    String data = full.get("video").get("data").asText();
    assertTrue(data.startsWith("base64:"), data);
    assertEquals(400, Base64.getDecoder().decode(data.substring("base64:".length())).length);

    DeadLetter d =
        DeadLetter.newBuilder()
            .setOriginalTopic("av.video")
            .setPartition(0)
            .setOffset(1)
            .setKey(ByteBuffer.wrap(new byte[] {1, 2}))
            .setValue(null)
            .setErrorClass("E")
            .setErrorMessage("m")
            .setStage("pairing")
            .setFailedAtMs(0)
            .build();
    JsonNode dl = mapper.readTree(AvroJson.toJson(d, d.getSchema(), false));
    assertEquals("base64:AQI=", dl.get("key").asText());
    assertTrue(dl.get("value").isNull());
  }

  @Test
  void nonFiniteNumbersStayValidJson() throws Exception {
    TrainerMetrics m =
        TrainerMetrics.newBuilder()
            .setModelName("m")
            .setVersion(1)
            .setTimeMs(0)
            .setSamplesSeen(0)
            .setSamplesPerSec(Double.POSITIVE_INFINITY)
            .setPrequentialAccuracy(Map.of("VIDEO", 0.25))
            .setRho(Double.NaN)
            .setBeta(0)
            .setGamma(0)
            .setLosses(Map.of())
            .setSkippedNonFinite(2)
            .setDriftEvents(0)
            .setConsumerLag(0)
            .setSnapshotBytes(0)
            .build();
    String line = AvroJson.toJson(m, m.getSchema(), false);
    assertTrue(!line.contains("NaN") && !line.contains("Infinity"), line);
    JsonNode json = mapper.readTree(line);
    assertTrue(json.get("rho").isNull(), "NaN is written as null: " + json);
    assertTrue(json.get("samplesPerSec").isNull(), "Infinity is written as null: " + json);
    assertEquals(0.25, json.get("prequentialAccuracy").get("VIDEO").asDouble());
    assertEquals(2, json.get("skippedNonFinite").asLong());
  }
}
