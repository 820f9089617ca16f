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

  @Test
  void builderHoldsTheDefaultsAndValidatesEveryField() {
    LearnerConfig d = LearnerConfig.builder().build();
    assertEquals(d, LearnerConfig.defaults());
    // The papers' values (5 inner steps, no unimodal term) are not the defaults yet: with them the
    // alignment no longer transfers video labels to audio (DigitsTest, audio-only 0.14-0.16);
    // README,
    // "The learner".
    assertEquals(1, d.innerSteps());
    assertEquals(1.0, d.unimodalWeight());
    assertEquals(1e-3, d.innerLearningRate());
    assertEquals(0.1, d.metaStepSize());
    LearnerConfig c = d.toBuilder().innerSteps(2).pmrAlpha(2.0).device("cpu").build();
    assertEquals(2, c.innerSteps());
    assertEquals(c, d.with("innerSteps", 2).with("pmrAlpha", 2.0).with("device", "cpu"));
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().innerSteps(0).build());
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().metaStepSize(0).build());
    assertThrows(
        IllegalArgumentException.class, () -> d.toBuilder().prototypeMomentum(1.0).build());
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().fusion("bilinear").build());
    assertThrows(
        IllegalArgumentException.class, () -> d.toBuilder().alignmentLoss("cosine").build());
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().pmrRule("maybe").build());
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().pmrAlpha(Double.NaN).build());
    assertThrows(IllegalArgumentException.class, () -> d.toBuilder().videoHeight(-1).build());
    assertThrows(NullPointerException.class, () -> d.toBuilder().sourceModality(null).build());
  }
}
