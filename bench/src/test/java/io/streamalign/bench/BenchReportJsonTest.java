package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamalign.schemas.Json;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's JSON is valid whatever the text holds, and non-finite figures are null. */
class BenchReportJsonTest {

  @Test
  void quotesBackslashesAndControlCharactersSurviveAndNonFiniteIsNull(@TempDir Path out)
      throws Exception {
    BenchReport report =
        new BenchReport("serving", new BenchOptions(true, Duration.ofSeconds(1), out, "cpu"));
    report.add(Figure.of("p99 \"latency\"\\tail", 12.5, "ms", "broker\nround trip", 10.0));
    report.add(Figure.of("rate", Double.NaN, "1/s", "offered", 200.0));
    report.note("tab\there, bell \u0007");
    JsonNode doc = Json.mapper().readTree(report.json());
    assertEquals("serving", doc.get("scenario").asText());
    assertEquals("p99 \"latency\"\\tail", doc.get("figures").get(0).get("figure").asText());
    assertEquals("broker\nround trip", doc.get("figures").get(0).get("baselineName").asText());
    assertEquals(12.5, doc.get("figures").get(0).get("value").asDouble());
    assertTrue(doc.get("figures").get(1).get("value").isNull(), doc.toString());
    assertEquals("tab\there, bell \u0007", doc.get("notes").get(0).asText());
  }
}
