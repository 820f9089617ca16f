package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearnerConfigBuilderTest {

  @Test
  void theBuilderStartsAtTheDefaultsAndSetsFieldsByName() {
    assertEquals(LearnerConfig.defaults(), LearnerConfig.builder().build());
    LearnerConfig c = LearnerConfig.builder().innerSteps(5).unimodalWeight(0).device("cpu").build();
    assertEquals(5, c.innerSteps());
    assertEquals(0.0, c.unimodalWeight());
    assertEquals("cpu", c.device());
    assertEquals(
        LearnerConfig.defaults()
            .with("innerSteps", 5)
            .with("unimodalWeight", 0)
            .with("device", "cpu"),
        c);
    assertEquals(c, c.toBuilder().build());
    assertNotEquals(c, c.toBuilder().seed(7).build());
  }

  @Test
  void theRecordsChecksRunOnBuild() {
    assertThrows(
        IllegalArgumentException.class, () -> LearnerConfig.builder().embeddingDim(0).build());
    assertThrows(
        IllegalArgumentException.class, () -> LearnerConfig.builder().pmrScale(Double.NaN).build());
    assertThrows(
        NullPointerException.class, () -> LearnerConfig.builder().sourceModality(null).build());
  }
}
