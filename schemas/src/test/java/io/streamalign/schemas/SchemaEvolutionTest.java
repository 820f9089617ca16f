package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.Prediction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Records written with an older schema version are read by the current one. */
class SchemaEvolutionTest {

  private static byte[] encodeGeneric(Schema writer, GenericRecord record) throws IOException {
    ByteBuffer b =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static GenericRecord tensor(Schema tensorSchema, float[] values, int... shape) {
    List<Integer> dims = new ArrayList<>();
    for (int d : shape) {
      dims.add(d);
    }
    ByteBuffer data = FeatureTensors.of(values, shape).getData();
    return new GenericRecordBuilder(tensorSchema).set("shape", dims).set("data", data).build();
  }

  @Test
  void pairedSampleV1WithoutCaptionIsReadWithDefaults() throws IOException {
    List<Schema> history = KnownSchemas.history(PairedSample.class);
    assertEquals(1, history.size(), "expected PairedSample-v1.avsc in the history resources");
    Schema v1 = history.get(0);
    assertNull(v1.getField("caption"), "v1 predates caption");
    assertNotEquals(KnownSchemas.fingerprint(v1), AvroSerde.of(PairedSample.class).fingerprint());

    Schema tensorSchema = v1.getField("video").schema().getTypes().get(1);
    Schema modality = v1.getField("labeledModalities").schema().getElementType();
    float[] audio = new SampleRecords(9).gaussian(40 * 64);
    GenericRecord old =
        new GenericRecordBuilder(v1)
            .set("sampleId", "cam-3@1795000000000")
            .set("streamId", "cam-3")
            .set("eventTimeMs", 1_795_000_000_000L)
            .set("audio", tensor(tensorSchema, audio, 40, 64))
            .set("label", "3")
            .set("labeledModalities", List.of(new GenericData.EnumSymbol(modality, "AUDIO")))
            .build(); // video, text, pairing, conceptGroup: v1 defaults

    byte[] bytes = encodeGeneric(v1, old);
    PairedSample s = AvroSerde.of(PairedSample.class).deserialize("av.paired", bytes);

    assertEquals("cam-3@1795000000000", s.getSampleId());
    assertEquals("cam-3", s.getStreamId());
    assertEquals(1_795_000_000_000L, s.getEventTimeMs());
    assertNull(s.getCaption(), "the field added in v2 gets its default");
    assertNull(s.getVideo());
    assertNull(s.getText());
    assertEquals("3", s.getLabel());
    assertEquals(List.of(Modality.AUDIO), s.getLabeledModalities());
    assertEquals(PairingKind.STRONG, s.getPairing());
    assertNull(s.getConceptGroup());
    assertEquals(List.of(40, 64), s.getAudio().getShape());
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        audio, FeatureTensors.toFloats(s.getAudio()));

    // Avro's own BinaryMessageDecoder with our SchemaStore resolves it the same way
    assertEquals(s, PairedSample.createDecoder(KnownSchemas.store()).decode(bytes));
  }

  @Test
  void predictionV1WithoutTrueLabelIsReadWithDefaults() throws IOException {
    Schema v1 = KnownSchemas.history(Prediction.class).get(0);
    assertNull(v1.getField("trueLabel"));
    Schema scoreSchema = v1.getField("topK").schema().getElementType();
    Schema modality = v1.getField("modalitiesUsed").schema().getElementType();
    GenericRecord old =
        new GenericRecordBuilder(v1)
            .set("sampleId", "s1")
            .set("streamId", "cam-1")
            .set("label", "5")
            .set("score", 0.9)
            .set(
                "topK",
                List.of(
                    new GenericRecordBuilder(scoreSchema)
                        .set("className", "5")
                        .set("score", 0.9)
                        .build()))
            .set("modalitiesUsed", List.of(new GenericData.EnumSymbol(modality, "VIDEO")))
            .set("modelName", "m")
            .set("modelVersion", 3L)
            .set("eventTimeMs", 10L)
            .set("publishTimeMs", 30L)
            .set("latencyMs", 20L)
            .build();
    Prediction p = AvroSerde.of(Prediction.class).decode(encodeGeneric(v1, old));
    assertEquals("5", p.getLabel());
    assertEquals(0.9, p.getTopK().get(0).getScore());
    assertEquals(List.of(Modality.VIDEO), p.getModalitiesUsed());
    assertEquals(3L, p.getModelVersion());
    assertNull(p.getTrueLabel());
  }

  @Test
  void everyKnownSchemaHasDocsOnEveryRecordEnumAndField() {
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      checkDocs(KnownSchemas.currentSchema(type), new ArrayList<>());
      for (Schema old : KnownSchemas.history(type)) {
        checkDocs(old, new ArrayList<>());
      }
    }
  }

  private static void checkDocs(Schema s, List<String> seen) {
    switch (s.getType()) {
      case RECORD -> {
        if (seen.contains(s.getFullName())) {
          return;
        }
        seen.add(s.getFullName());
        assertDoc(s.getDoc(), s.getFullName());
        for (Schema.Field f : s.getFields()) {
          assertDoc(f.doc(), s.getFullName() + "." + f.name());
          checkDocs(f.schema(), seen);
        }
      }
      case ENUM -> assertDoc(s.getDoc(), s.getFullName());
      case ARRAY -> checkDocs(s.getElementType(), seen);
      case MAP -> checkDocs(s.getValueType(), seen);
      case UNION -> s.getTypes().forEach(t -> checkDocs(t, seen));
      default -> {}
    }
  }

  private static void assertDoc(String doc, String where) {
    assertNotNull(doc, "no doc on " + where);
    assertFalse(doc.isBlank(), "blank doc on " + where);
  }

  @Test
  void allRecordsAreInTheAvroNamespace() {
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      assertEquals("io.streamalign.schemas.avro", KnownSchemas.currentSchema(type).getNamespace());
    }
    assertEquals(10, KnownSchemas.RECORDS.size());
  }

  @Test
  void storeFindsCurrentAndHistoricalSchemas() {
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      Schema current = KnownSchemas.currentSchema(type);
      assertEquals(
          current, KnownSchemas.store().findByFingerprint(KnownSchemas.fingerprint(current)));
      for (Schema old : KnownSchemas.history(type)) {
        assertTrue(KnownSchemas.byFingerprint(KnownSchemas.fingerprint(old)) != null);
      }
    }
  }
}
