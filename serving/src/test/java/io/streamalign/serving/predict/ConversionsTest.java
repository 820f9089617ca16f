package io.streamalign.serving.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConversionsTest {

  private final LearnerConfig cfg = LearnerConfig.defaults();
  private final int audio = cfg.featureSize(Modality.AUDIO);

  private PairedSample.Builder sample() {
    return PairedSample.newBuilder().setSampleId("s1").setStreamId("cam").setEventTimeMs(1000L);
  }

  @Test
  void audioOnlySampleKeepsOnlyAudio() {
    Sample s =
        Conversions.toSample(
            sample().setAudio(FeatureTensors.of(new float[audio], 40, 64)).build(), cfg);
    assertEquals(Set.of(Modality.AUDIO), s.modalities());
    assertNull(s.label(), "the label is not given to predict");
  }

  @Test
  void rejectsNoModalityWrongSizeAndNonFinite() {
    assertTrue(
        assertThrows(
                Conversions.BadSampleException.class,
                () -> Conversions.toSample(sample().build(), cfg))
            .getMessage()
            .contains("no modality"));
    assertThrows(
        Conversions.BadSampleException.class,
        () ->
            Conversions.toSample(
                sample().setAudio(FeatureTensors.of(new float[10], 10)).build(), cfg));
    float[] x = new float[audio];
    x[7] = Float.NaN;
    assertTrue(
        assertThrows(
                Conversions.BadSampleException.class,
                () ->
                    Conversions.toSample(
                        sample().setAudio(FeatureTensors.of(x, 40, 64)).build(), cfg))
            .getMessage()
            .contains("non-finite value at 7"));
  }

  @Test
  void predictionCarriesVersionTimesTopKAndTrueLabel() {
    Inference inf =
        new Inference(
            "seven",
            0.7,
            List.of(
                new Inference.ClassScore("seven", 0.7),
                new Inference.ClassScore("one", 0.2),
                new Inference.ClassScore("nine", 0.1)),
            Set.of(Modality.AUDIO));
    Prediction p =
        Conversions.toPrediction(sample().setLabel("seven").build(), inf, "m", 4, 2, 1250L);
    assertEquals("seven", p.getLabel());
    assertEquals(2, p.getTopK().size());
    assertEquals(4, p.getModelVersion());
    assertEquals(250, p.getLatencyMs());
    assertEquals("seven", p.getTrueLabel());
    assertEquals(List.of(io.streamalign.schemas.avro.Modality.AUDIO), p.getModalitiesUsed());
  }

  @Test
  void aNonFiniteScoreIsNeverPublished() {
    Inference ok =
        new Inference(
            "7",
            0.9,
            List.of(new Inference.ClassScore("7", 0.9), new Inference.ClassScore("1", 0.1)),
            Set.of(Modality.AUDIO));
    assertNull(Conversions.nonFiniteScore(ok));
    Inference nan =
        new Inference(
            "7",
            Double.NaN,
            List.of(new Inference.ClassScore("7", Double.NaN)),
            Set.of(Modality.AUDIO));
    assertTrue(
        Conversions.nonFiniteScore(nan).contains("not finite: NaN"),
        Conversions.nonFiniteScore(nan));
    Inference inTopK =
        new Inference(
            "7",
            0.9,
            List.of(
                new Inference.ClassScore("7", 0.9),
                new Inference.ClassScore("1", Double.POSITIVE_INFINITY)),
            Set.of(Modality.AUDIO));
    assertTrue(
        Conversions.nonFiniteScore(inTopK).contains("class 1 is not finite: Infinity"),
        Conversions.nonFiniteScore(inTopK));
  }
}
