package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The build's schema-evolution rules (README.md, "Schema evolution"): every committed schema change
 * is compatible both ways with every earlier version, an incompatible change is refused, and a
 * writer with a schema this build does not know is read when it sends its schema in the header.
 */
class SchemaCompatibilityTest {

  static final Schema VIDEO = KnownSchemas.currentSchema(VideoFrame.class);

  @Test
  void everyRecordIsCompatibleBothWaysWithEveryEarlierVersion() {
    int versions = 0;
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      List<Schema> history = KnownSchemas.history(type);
      versions += history.size();
      assertEquals(
          List.of(),
          KnownSchemas.compatibilityProblems(KnownSchemas.currentSchema(type), history),
          "incompatible change of " + type.getSimpleName());
    }
    assertTrue(versions >= 2, "PairedSample v1 and Prediction v1 are kept: " + versions);
  }

  /**
   * The current VideoFrame with one more field (and the same name), as a producer's evolved copy.
   */
  static Schema videoWith(Schema.Field extra) {
    List<Schema.Field> fields = new java.util.ArrayList<>();
    for (Schema.Field f : VIDEO.getFields()) fields.add(new Schema.Field(f, f.schema()));
    fields.add(extra);
    return Schema.createRecord(
        VIDEO.getName(), VIDEO.getDoc(), VIDEO.getNamespace(), false, fields);
  }

  static Schema.Field optionalExposure() {
    return new Schema.Field(
        "exposureMs",
        SchemaBuilder.unionOf().nullType().and().longType().endUnion(),
        "Exposure time.",
        Schema.Field.NULL_DEFAULT_VALUE);
  }

  @Test
  void addingAFieldWithADefaultIsCompatibleWithoutOneIsRefused() {
    assertEquals(
        List.of(),
        KnownSchemas.compatibilityProblems(videoWith(optionalExposure()), List.of(VIDEO)));
    Schema required =
        videoWith(
            new Schema.Field("exposureMs", Schema.create(Schema.Type.LONG), "Exposure time."));
    List<String> problems = KnownSchemas.compatibilityProblems(required, List.of(VIDEO));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).contains("cannot read records written with VideoFrame v1"),
        problems.get(0));
    assertTrue(problems.get(0).contains("exposureMs"), problems.get(0));
  }

  @Test
  void removingAFieldWithoutDefaultOrChangingATypeIsRefused() {
    // v1 = current; "current" = the width field removed: readers still on v1 need width
    List<Schema.Field> fields = new java.util.ArrayList<>();
    for (Schema.Field f : VIDEO.getFields()) {
      if (!f.name().equals("width")) fields.add(new Schema.Field(f, f.schema()));
    }
    Schema noWidth =
        Schema.createRecord(VIDEO.getName(), VIDEO.getDoc(), VIDEO.getNamespace(), false, fields);
    List<String> problems = KnownSchemas.compatibilityProblems(noWidth, List.of(VIDEO));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).startsWith("a reader with VideoFrame v1 cannot read"), problems.get(0));

    Schema stringSeq =
        new Schema.Parser()
            .parse(
                VIDEO
                    .toString()
                    .replace(
                        "{\"name\":\"seq\",\"type\":\"long\"",
                        "{\"name\":\"seq\",\"type\":\"string\""));
    assertEquals(2, KnownSchemas.compatibilityProblems(stringSeq, List.of(VIDEO)).size());
  }

  static byte[] encode(Schema writer, GenericRecord r) throws IOException {
    ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(r);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static GenericRecord frame(Schema s) {
    GenericRecordBuilder b =
        new GenericRecordBuilder(s)
            .set("streamId", "cam-1")
            .set("seq", 4L)
            .set("eventTimeMs", 1_000L)
            .set("width", 2)
            .set("height", 1)
            .set("channels", 1)
            .set("encoding", new GenericData.EnumSymbol(s.getField("encoding").schema(), "RAW8"))
            .set("data", ByteBuffer.wrap(new byte[] {7, 9}));
    if (s.getField("exposureMs") != null) b.set("exposureMs", 33L);
    return b.build();
  }

  static RecordHeaders schemaHeader(Schema s) {
    RecordHeaders h = new RecordHeaders();
    h.add("other", new byte[] {1});
    h.add(AvroSerde.SCHEMA_HEADER, s.toString().getBytes(StandardCharsets.UTF_8));
    return h;
  }

  @Test
  void aNewerWritersRecordIsReadWithTheSchemaFromItsHeader() throws IOException {
    Schema evolved = videoWith(optionalExposure());
    byte[] bytes = encode(evolved, frame(evolved));
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);
    assertNull(
        KnownSchemas.byFingerprint(KnownSchemas.fingerprint(evolved)),
        "not a schema this build knows");

    AvroDecodeException unknown =
        assertThrows(AvroDecodeException.class, () -> serde.deserialize("av.video", bytes));
    assertTrue(
        unknown.getMessage().contains("unknown writer schema fingerprint"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("'avro.schema' header"), unknown.getMessage());
    assertThrows(
        AvroDecodeException.class, () -> serde.deserialize("av.video", new RecordHeaders(), bytes));

    VideoFrame f = serde.deserialize("av.video", schemaHeader(evolved), bytes);
    assertNotNull(f);
    assertEquals("cam-1", f.getStreamId());
    assertEquals(4L, f.getSeq());
    assertEquals(FrameEncoding.RAW8, f.getEncoding());
    assertEquals(2, f.getData().remaining());
  }

  @Test
  void aHeaderThatIsNotTheWritersSchemaOrIsIncompatibleIsRefused() throws IOException {
    Schema evolved = videoWith(optionalExposure());
    byte[] bytes = encode(evolved, frame(evolved));
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);

    Schema other =
        videoWith(
            new Schema.Field(
                "gain",
                SchemaBuilder.unionOf().nullType().and().intType().endUnion(),
                "Gain.",
                Schema.Field.NULL_DEFAULT_VALUE));
    AvroDecodeException mismatch =
        assertThrows(
            AvroDecodeException.class,
            () -> serde.deserialize("av.video", schemaHeader(other), bytes));
    assertTrue(
        mismatch.getMessage().contains("but the record was written with"), mismatch.getMessage());

    RecordHeaders junk = new RecordHeaders();
    junk.add(AvroSerde.SCHEMA_HEADER, "{not json".getBytes(StandardCharsets.UTF_8));
    assertTrue(
        assertThrows(AvroDecodeException.class, () -> serde.deserialize("av.video", junk, bytes))
            .getMessage()
            .contains("is not an Avro schema"));

    // a writer whose seq is a string: its own header, but the current reader cannot resolve it
    Schema stringSeq =
        new Schema.Parser()
            .parse(
                VIDEO
                    .toString()
                    .replace(
                        "{\"name\":\"seq\",\"type\":\"long\"",
                        "{\"name\":\"seq\",\"type\":\"string\""));
    GenericRecord r =
        new GenericRecordBuilder(stringSeq)
            .set("streamId", "cam-1")
            .set("seq", "four")
            .set("eventTimeMs", 1_000L)
            .set("width", 2)
            .set("height", 1)
            .set("channels", 1)
            .set(
                "encoding",
                new GenericData.EnumSymbol(stringSeq.getField("encoding").schema(), "RAW8"))
            .set("data", ByteBuffer.wrap(new byte[] {7, 9}))
            .build();
    byte[] incompatible = encode(stringSeq, r);
    AvroDecodeException e =
        assertThrows(
            AvroDecodeException.class,
            () -> serde.deserialize("av.video", schemaHeader(stringSeq), incompatible));
    assertTrue(e.getMessage().contains("cannot be read as the current"), e.getMessage());
  }
}
