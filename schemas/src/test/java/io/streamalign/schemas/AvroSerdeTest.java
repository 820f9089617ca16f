package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {
  private static final Duration FAST = Duration.ofSeconds(5);

  static Stream<SpecificRecord> records() {
    return new SampleRecords(1).all().stream();
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> AvroSerde<T> serdeFor(T record) {
    return AvroSerde.of((Class<T>) record.getClass());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void everyRecordRoundTrips(SpecificRecord record) {
    AvroSerde<SpecificRecord> serde = serdeFor(record);
    byte[] bytes = serde.serializer().serialize("t", record);
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    SpecificRecord back = serde.deserializer().deserialize("t", bytes);
    assertEquals(record, back);
    assertNotEquals(0, record.getSchema().getFields().size());
    // and the bytes are plain Avro single-object encoding: Avro's own decoder reads them
    assertEquals(record, decodeWithAvro(record, bytes));
  }

  private static Object decodeWithAvro(SpecificRecord record, byte[] bytes) {
    try {
      Object decoder =
          record
              .getClass()
              .getMethod("createDecoder", org.apache.avro.message.SchemaStore.class)
              .invoke(null, KnownSchemas.store());
      return ((org.apache.avro.message.BinaryMessageDecoder<?>) decoder).decode(bytes);
    } catch (ReflectiveOperationException | IOException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void ourBytesEqualAvrosEncoder(SpecificRecord record) throws IOException {
    BinaryMessageEncoder<SpecificRecord> avro =
        new BinaryMessageEncoder<>(org.apache.avro.specific.SpecificData.get(), record.getSchema());
    ByteBuffer expected = avro.encode(record);
    byte[] e = new byte[expected.remaining()];
    expected.get(e);
    assertArrayEquals(e, serdeFor(record).encode(record));
  }

  @Test
  void nullsAreTombstones() {
    AvroSerde<PairedSample> serde = AvroSerde.of(PairedSample.class);
    assertNull(serde.serialize("t", null));
    assertNull(serde.deserialize("t", null));
  }

  @Test
  void ofReturnsOneSharedInstance() {
    assertSame(AvroSerde.of(Prediction.class), AvroSerde.of(Prediction.class));
  }

  @Test
  void fingerprintIsInTheHeaderLittleEndian() {
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);
    byte[] bytes = serde.encode(new SampleRecords(2).videoFrame());
    long fp = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(serde.fingerprint(), fp);
    assertEquals(
        org.apache.avro.SchemaNormalization.parsingFingerprint64(VideoFrame.getClassSchema()), fp);
  }

  @Test
  void unencodableRecordGivesSerializationException() {
    VideoFrame bad = new SampleRecords(3).videoFrame();
    bad.setStreamId(null); // the builder would refuse; the setter does not
    SerializationException e =
        assertThrows(
            SerializationException.class,
            () -> AvroSerde.of(VideoFrame.class).serialize("av.video", bad));
    assertTrue(e.getMessage().contains("av.video"), e.getMessage());
  }

  @Test
  void randomBytesFailFast() {
    AvroSerde<PairedSample> serde = AvroSerde.of(PairedSample.class);
    Random rnd = new Random(11);
    assertTimeoutPreemptively(
        FAST,
        () -> {
          for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[rnd.nextInt(200)];
            rnd.nextBytes(junk);
            if (junk.length > 0 && junk[0] == (byte) 0xC3) {
              junk[0] = 0;
            }
            assertThrows(AvroDecodeException.class, () -> serde.deserialize("av.paired", junk));
          }
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void randomBodiesBehindAValidHeaderFailCleanly(SpecificRecord record) {
    AvroSerde<SpecificRecord> serde = serdeFor(record);
    byte[] header = Arrays.copyOf(serde.encode(record), AvroSerde.HEADER_LENGTH);
    Random rnd = new Random(record.getSchema().getName().hashCode());
    assertTimeoutPreemptively(
        FAST,
        () -> {
          int failed = 0;
          for (int i = 0; i < 3000; i++) {
            byte[] msg = Arrays.copyOf(header, AvroSerde.HEADER_LENGTH + rnd.nextInt(300));
            for (int j = AvroSerde.HEADER_LENGTH; j < msg.length; j++) {
              msg[j] = (byte) rnd.nextInt(256);
            }
            try {
              serde.deserialize("t", msg); // a random body may, rarely, be a valid record
            } catch (AvroDecodeException expected) {
              failed++;
            }
          }
          assertTrue(failed > 2900, "only " + failed + " of 3000 random bodies were rejected");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void everyTruncationFails(SpecificRecord record) {
    AvroSerde<SpecificRecord> serde = serdeFor(record);
    byte[] bytes = serde.encode(record);
    Random rnd = new Random(5);
    assertTimeoutPreemptively(
        FAST,
        () -> {
          for (int n = 0; n < bytes.length; n++) {
            // every cut near the header and the start of the body; a sample of the rest of a large
            // record
            if (n > 400 && rnd.nextInt(bytes.length / 200 + 1) != 0) {
              continue;
            }
            byte[] cut = Arrays.copyOf(bytes, n);
            AvroDecodeException e =
                assertThrows(
                    AvroDecodeException.class,
                    () -> serde.deserialize("t", cut),
                    "prefix of " + n + " bytes");
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
          }
        });
  }

  @Test
  void trailingBytesAreRejected() {
    AvroSerde<Prediction> serde = AvroSerde.of(Prediction.class);
    byte[] bytes = serde.encode(new SampleRecords(4).prediction());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    AvroDecodeException e = assertThrows(AvroDecodeException.class, () -> serde.decode(longer));
    assertTrue(e.getMessage().contains("3 unexpected trailing bytes"), e.getMessage());
  }

  @Test
  void wrongMagicIsRejected() {
    AvroSerde<Prediction> serde = AvroSerde.of(Prediction.class);
    byte[] bytes = serde.encode(new SampleRecords(4).prediction());
    bytes[1] = 0x02; // a future single-object format version
    AvroDecodeException e =
        assertThrows(AvroDecodeException.class, () -> serde.deserialize("av.predictions", bytes));
    assertTrue(e.getMessage().contains("C3 02"), e.getMessage());
    assertTrue(e.getMessage().contains("av.predictions"), e.getMessage());
    assertTrue(e instanceof SerializationException);
    // plain JSON, a common mistake
    assertThrows(AvroDecodeException.class, () -> serde.decode("{\"label\":\"7\"}".getBytes()));
    assertThrows(AvroDecodeException.class, () -> serde.decode(new byte[0]));
  }

  @Test
  void unknownFingerprintIsRejected() {
    AvroSerde<Prediction> serde = AvroSerde.of(Prediction.class);
    byte[] bytes = serde.encode(new SampleRecords(4).prediction());
    bytes[5] ^= 0x55;
    AvroDecodeException e = assertThrows(AvroDecodeException.class, () -> serde.decode(bytes));
    assertTrue(e.getMessage().contains("unknown writer schema fingerprint"), e.getMessage());
  }

  @Test
  void recordOfAnotherTypeIsRejected() {
    byte[] prediction = AvroSerde.of(Prediction.class).encode(new SampleRecords(4).prediction());
    AvroDecodeException e =
        assertThrows(
            AvroDecodeException.class, () -> AvroSerde.of(PairedSample.class).decode(prediction));
    assertTrue(
        e.getMessage().contains("record is a io.streamalign.schemas.avro.Prediction"),
        e.getMessage());
  }

  /** Header + body of a VideoFrame whose data field claims {@code claimed} bytes but carries 16. */
  private static byte[] videoFrameClaiming(long claimed) throws IOException {
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(
        Arrays.copyOf(serde.encode(new SampleRecords(6).videoFrame()), AvroSerde.HEADER_LENGTH));
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    enc.writeString("cam-1");
    enc.writeLong(1);
    enc.writeLong(1_795_000_000_000L);
    enc.writeInt(28);
    enc.writeInt(28);
    enc.writeInt(1);
    enc.writeEnum(0);
    enc.writeLong(claimed); // the length prefix of `data`
    enc.writeFixed(new byte[16]);
    enc.flush();
    return out.toByteArray();
  }

  @Test
  void aTwoGigabyteLengthPrefixFailsFastWithoutAllocating() throws IOException {
    byte[] hostile = videoFrameClaiming(2L * 1024 * 1024 * 1024 - 16);
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);
    AvroDecodeException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2),
            () -> assertThrows(AvroDecodeException.class, () -> serde.decode(hostile)));
    assertTrue(e.getMessage().contains("exceeds the 16 bytes left"), e.getMessage());
    // the control: the same layout with an honest length decodes
    assertEquals(16, serde.decode(videoFrameClaiming(16)).getData().remaining());
  }

  @Test
  void negativeAndOversizedLengthsAndCountsAreRejected() throws IOException {
    AvroSerde<VideoFrame> serde = AvroSerde.of(VideoFrame.class);
    assertThrows(AvroDecodeException.class, () -> serde.decode(videoFrameClaiming(-5)));
    assertThrows(AvroDecodeException.class, () -> serde.decode(videoFrameClaiming(Long.MAX_VALUE)));

    // a SupportExample whose tensor shape claims two billion dimensions
    AvroSerde<io.streamalign.schemas.avro.SupportExample> ex =
        AvroSerde.of(io.streamalign.schemas.avro.SupportExample.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(
        Arrays.copyOf(ex.encode(new SampleRecords(7).supportExample()), AvroSerde.HEADER_LENGTH));
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    enc.writeString("e");
    enc.writeString("7");
    enc.writeEnum(1);
    enc.writeLong(2_000_000_000L); // array block count of FeatureTensor.shape
    enc.writeInt(3);
    enc.flush();
    byte[] hostile = out.toByteArray();
    AvroDecodeException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(2),
            () -> assertThrows(AvroDecodeException.class, () -> ex.decode(hostile)));
    assertTrue(e.getMessage().contains("array block count"), e.getMessage());
  }

  @Test
  void featureTensorInsideRecordSurvives() {
    PairedSample s = new SampleRecords(8).pairedSample();
    PairedSample back =
        AvroSerde.of(PairedSample.class).decode(AvroSerde.of(PairedSample.class).encode(s));
    FeatureTensor v = back.getVideo();
    assertArrayEquals(FeatureTensors.toFloats(s.getVideo()), FeatureTensors.toFloats(v));
    assertEquals(List.of(1, 28, 28), v.getShape());
  }

  @Test
  void aLargeSnapshotRoundTripsQuickly() {
    io.streamalign.schemas.avro.ModelSnapshot big = new SampleRecords(10).largeModelSnapshot();
    AvroSerde<io.streamalign.schemas.avro.ModelSnapshot> serde =
        AvroSerde.of(io.streamalign.schemas.avro.ModelSnapshot.class);
    io.streamalign.schemas.avro.ModelSnapshot back =
        assertTimeoutPreemptively(FAST, () -> serde.decode(serde.encode(big)));
    assertEquals(big, back);
    byte[] params = new byte[back.getParameters().remaining()];
    back.getParameters().duplicate().get(params);
    assertEquals(big.getSha256(), SampleRecords.sha256(params));
  }

  @Test
  void oneSerdeIsSafeToShareAcrossThreads() throws Exception {
    AvroSerde<PairedSample> serde = AvroSerde.of(PairedSample.class);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        results.add(
            pool.submit(
                () -> {
                  SampleRecords gen = new SampleRecords(100 + seed);
                  for (int i = 0; i < 200; i++) {
                    PairedSample s = gen.pairedSample();
                    s.setSampleId("t" + seed + "-" + i);
                    if (!s.equals(serde.deserialize("t", serde.serialize("t", s)))) {
                      return i;
                    }
                  }
                  return -1;
                }));
      }
      for (java.util.concurrent.Future<Integer> f : results) {
        assertEquals(-1, f.get(30, java.util.concurrent.TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nestedTypesHaveASerdeToo() {
    AvroSerde<FeatureTensor> serde = AvroSerde.of(FeatureTensor.class);
    FeatureTensor t = FeatureTensors.of(new float[] {1f, 2f, 3f}, 3);
    assertEquals(t, serde.decode(serde.encode(t)));
  }
}
