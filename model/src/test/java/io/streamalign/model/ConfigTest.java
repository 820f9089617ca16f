package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void jsonRoundTrip() {
    LearnerConfig c =
        LearnerConfig.defaults()
            .with("fusion", "film")
            .with("margin", 0.25)
            .with("targetModality", "TEXT")
            .with("seed", 123456789012L)
            .with("device", "cpu \"quoted\"");
    assertEquals(c, LearnerConfig.fromJson(c.toJson()));
    assertTrue(c.toJson().contains("\"fusion\":\"film\""));
  }

  @Test
  void missingMembersTakeDefaultsAndUnknownAreIgnored() {
    LearnerConfig c = LearnerConfig.fromJson("{\"embeddingDim\": 64, \"futureField\": \"x\"}");
    assertEquals(64, c.embeddingDim());
    assertEquals(LearnerConfig.defaults().margin(), c.margin());
  }

  @Test
  void badInputIsATypedError() {
    assertThrows(
        IllegalArgumentException.class,
        () -> LearnerConfig.fromJson("{\"embeddingDim\": \"big\"}"));
    assertThrows(IllegalArgumentException.class, () -> LearnerConfig.fromJson("not json"));
    assertThrows(IllegalArgumentException.class, () -> LearnerConfig.defaults().with("nope", 1));
    assertThrows(
        IllegalArgumentException.class, () -> LearnerConfig.fromJson("{\"embeddingDim\": 0}"));
  }
}
