package io.streamalign.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.SupportExample;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SampleRecordsTest {

  private final LearnerConfig cfg = LearnerConfig.defaults();
  private final SampleRecords converter = new SampleRecords(cfg);

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (i % 97) / 97f - 0.5f;
    return v;
  }

  private PairedSample.Builder paired() {
    return PairedSample.newBuilder()
        .setSampleId("cam1-1000")
        .setStreamId("cam1")
        .setEventTimeMs(1000L)
        .setVideo(FeatureTensors.of(ramp(784), 1, 28, 28))
        .setAudio(FeatureTensors.of(ramp(40 * 64), 40, 64));
  }

  @Test
  void convertsAPairedSampleThroughItsAvroBytes() {
    PairedSample p =
        paired()
            .setLabel("7")
            .setLabeledModalities(List.of(io.streamalign.schemas.avro.Modality.VIDEO))
            .setPairing(PairingKind.STRONG)
            .setConceptGroup("seven")
            .build();
    AvroSerde<PairedSample> serde = AvroSerde.of(PairedSample.class);
    Sample s = converter.toSample(serde.decode(serde.encode(p)));
    assertEquals("cam1-1000", s.id());
    assertEquals("cam1", s.streamId());
    assertEquals(1000L, s.eventTimeMs());
    assertEquals(Set.of(Modality.VIDEO, Modality.AUDIO), s.modalities());
    assertArrayEquals(ramp(784), s.features().get(Modality.VIDEO));
    assertArrayEquals(ramp(2560), s.features().get(Modality.AUDIO));
    assertEquals("7", s.label());
    assertEquals(Set.of(Modality.VIDEO), s.labeled());
    assertEquals("seven", s.conceptGroup());
  }

  @Test
  void unlabeledSampleHasNoLabelBudget() {
    Sample s =
        converter.toSample(
            paired()
                .setVideo(null)
                .setLabel(null)
                .setLabeledModalities(List.of(io.streamalign.schemas.avro.Modality.AUDIO))
                .build());
    assertNull(s.label());
    assertTrue(s.labeled().isEmpty());
    assertEquals(Set.of(Modality.AUDIO), s.modalities());
    assertNull(s.conceptGroup());
  }

  @Test
  void refusesWrongShapesNonFiniteValuesAndEmptySamples() {
    InvalidRecordException wrong =
        assertThrows(
            InvalidRecordException.class,
            () ->
                converter.toSample(
                    paired().setVideo(FeatureTensors.of(ramp(64 * 64), 1, 64, 64)).build()));
    assertTrue(
        wrong.getMessage().contains("4096") && wrong.getMessage().contains("784"),
        wrong.getMessage());
    float[] nan = ramp(784);
    nan[5] = Float.NaN;
    assertThrows(
        InvalidRecordException.class,
        () -> converter.toSample(paired().setVideo(FeatureTensors.of(nan, 1, 28, 28)).build()));
    assertThrows(
        InvalidRecordException.class,
        () -> converter.toSample(paired().setVideo(null).setAudio(null).build()));
  }

  @Test
  void convertsASupportExample() {
    SupportExample e =
        SupportExample.newBuilder()
            .setExampleId("e1")
            .setClassName("eleven")
            .setModality(io.streamalign.schemas.avro.Modality.AUDIO)
            .setFeatures(FeatureTensors.of(ramp(2560), 40, 64))
            .setEventTimeMs(5L)
            .build();
    SampleRecords.Enrollment en = converter.toEnrollment(e);
    assertEquals("eleven", en.className());
    assertEquals(Modality.AUDIO, en.modality());
    assertEquals(1, en.examples().size());
    assertArrayEquals(ramp(2560), en.examples().get(0));
    assertThrows(
        InvalidRecordException.class,
        () ->
            converter.toEnrollment(
                SupportExample.newBuilder(e).setFeatures(FeatureTensors.of(ramp(10), 10)).build()));
  }

  @Test
  void aSampleToPredictDropsTheLabel() {
    Sample s =
        converter.toUnlabeledSample(
            paired()
                .setLabel("7")
                .setLabeledModalities(List.of(io.streamalign.schemas.avro.Modality.VIDEO))
                .build());
    assertNull(s.label());
    assertTrue(s.labeled().isEmpty());
    assertEquals(Set.of(Modality.VIDEO, Modality.AUDIO), s.modalities());
    assertThrows(
        InvalidRecordException.class,
        () ->
            converter.toUnlabeledSample(
                paired().setAudio(FeatureTensors.of(ramp(10), 10)).build()));
  }
}
