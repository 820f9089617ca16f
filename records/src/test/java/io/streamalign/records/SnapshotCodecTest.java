package io.streamalign.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.records.SnapshotVerificationException.Reason;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCodecTest {

  private static final Set<Integer> V1 = Set.of(1);
  private final SnapshotKey key = SnapshotKey.of("0123456789abcdef0123456789abcdef");
  private final SnapshotCodec signed = SnapshotCodec.signedWith(key);

  /** Bytes shaped like the model's snapshot header: magic "SALN", format version, then anything. */
  private static byte[] params(int formatVersion) {
    ByteBuffer b = ByteBuffer.allocate(64);
    b.putInt(0x53414C4E).putInt(formatVersion);
    for (int i = 8; i < 64; i++) b.put((byte) i);
    return b.array();
  }

  private static ModelSnapshot.Builder builder(byte[] params) {
    return ModelSnapshot.newBuilder()
        .setModelName("digits")
        .setVersion(7)
        .setFormatVersion(0)
        .setCreatedAtMs(1_700_000_000_000L)
        .setConfigJson("{\"embeddingDim\":64}")
        .setParameters(ByteBuffer.wrap(params))
        .setSha256("")
        .setClasses(List.of("0", "1"))
        .setModalities(List.of(io.streamalign.schemas.avro.Modality.VIDEO))
        .setMetrics(Map.of("gate.accuracy", 0.8, "driftEvents", 0.0))
        .setPromoted(true)
        .setSourceOffsets(
            List.of(
                TopicPartitionOffset.newBuilder()
                    .setTopic("av.paired")
                    .setPartition(0)
                    .setOffset(42)
                    .build()))
        .setSamplesSeen(42)
        .setLearnerClass("x.Learner")
        .setBuildVersion("test");
  }

  @Test
  void sealFillsHashFormatVersionAndSignatureAndVerifyReturnsTheBytes() throws Exception {
    byte[] p = params(1);
    ModelSnapshot s = signed.seal(builder(p));
    assertEquals(SnapshotCodec.sha256Hex(p), s.getSha256());
    assertEquals(1, s.getFormatVersion());
    assertNotNull(s.getSignature());
    assertEquals(64, s.getSignature().length());
    // through Avro and back: the signature still verifies (map order etc. do not matter)
    AvroSerde<ModelSnapshot> serde = AvroSerde.of(ModelSnapshot.class);
    ModelSnapshot back = serde.decode(serde.encode(s));
    assertArrayEquals(p, signed.verify(back, V1));
    assertArrayEquals(
        p, SnapshotCodec.unsigned().verify(back, V1), "a reader without a key ignores signatures");
    assertNull(SnapshotCodec.unsigned().seal(builder(p)).getSignature());
  }

  @Test
  void formatVersionIsReadFromTheModelHeader() {
    assertEquals(3, SnapshotCodec.formatVersionOf(params(3)));
    assertEquals(1, SnapshotCodec.formatVersionOf(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    assertEquals(1, SnapshotCodec.formatVersionOf(new byte[0]));
  }

  @Test
  void rejectsACorruptParameterHashWithOrWithoutAKey() {
    ModelSnapshot s = signed.seal(builder(params(1)));
    byte[] flipped = params(1);
    flipped[20] ^= 1;
    ModelSnapshot corrupt =
        ModelSnapshot.newBuilder(s).setParameters(ByteBuffer.wrap(flipped)).build();
    assertEquals(
        Reason.SHA256_MISMATCH,
        assertThrows(SnapshotVerificationException.class, () -> signed.verify(corrupt, V1))
            .reason());
    assertEquals(
        Reason.SHA256_MISMATCH,
        assertThrows(
                SnapshotVerificationException.class,
                () -> SnapshotCodec.unsigned().verify(corrupt, V1))
            .reason());
  }

  @Test
  void withAKeyAnUnsignedSnapshotIsRejected() {
    ModelSnapshot unsigned = SnapshotCodec.unsigned().seal(builder(params(1)));
    assertEquals(
        Reason.UNSIGNED,
        assertThrows(SnapshotVerificationException.class, () -> signed.verify(unsigned, V1))
            .reason());
  }

  @Test
  void everyFieldIsCoveredByTheSignature() {
    ModelSnapshot s = signed.seal(builder(params(1)));
    List<UnaryOperator<ModelSnapshot.Builder>> forgeries =
        List.of(
            b -> b.setVersion(1_000_000_000L),
            b -> b.setModelName("other"),
            b -> b.setPromoted(false),
            b -> b.setSamplesSeen(43),
            b -> b.setCreatedAtMs(1L),
            b -> b.setConfigJson("{}"),
            b -> b.setClasses(List.of("0", "1", "2")),
            b -> b.setModalities(List.of(io.streamalign.schemas.avro.Modality.AUDIO)),
            b -> b.setMetrics(Map.of("gate.accuracy", 0.9, "driftEvents", 0.0)),
            b -> b.setSourceOffsets(List.of()),
            b -> b.setLearnerClass("y.Learner"),
            b -> b.setBuildVersion("other"),
            b -> b.setSignature("00" + s.getSignature().substring(2)),
            b -> b.setSignature("not hex"));
    for (UnaryOperator<ModelSnapshot.Builder> forge : forgeries) {
      ModelSnapshot f = forge.apply(ModelSnapshot.newBuilder(s)).build();
      assertEquals(
          Reason.BAD_SIGNATURE,
          assertThrows(SnapshotVerificationException.class, () -> signed.verify(f, V1)).reason(),
          f.toString());
    }
    // new parameters with a matching sha256 but signed with another key
    SnapshotCodec otherKey = SnapshotCodec.signedWith(SnapshotKey.of("another key of 16+ bytes"));
    ModelSnapshot foreign = otherKey.seal(builder(params(1)));
    assertEquals(
        Reason.BAD_SIGNATURE,
        assertThrows(SnapshotVerificationException.class, () -> signed.verify(foreign, V1))
            .reason());
  }

  @Test
  void rejectsAnUnsupportedFormatVersion() {
    ModelSnapshot s = signed.seal(builder(params(2)));
    assertEquals(
        Reason.UNSUPPORTED_FORMAT,
        assertThrows(SnapshotVerificationException.class, () -> signed.verify(s, V1)).reason());
  }

  @Test
  void keysComeFromAFileOrTheEnvironmentAndMustBeLongEnough(@TempDir Path dir) throws Exception {
    assertThrows(IllegalArgumentException.class, () -> SnapshotKey.of("short"));
    Path f = dir.resolve("key");
    Files.writeString(f, "  file-key-0123456789abcdef\n");
    ModelSnapshot byFile =
        SnapshotCodec.signedWith(SnapshotKey.configured(f, Map.of()).orElseThrow())
            .seal(builder(params(1)));
    SnapshotCodec sameKey = SnapshotCodec.signedWith(SnapshotKey.of("file-key-0123456789abcdef"));
    sameKey.verify(byFile, V1);
    assertTrue(SnapshotKey.configured(null, Map.of()).isEmpty());
    assertTrue(
        SnapshotKey.configured(null, Map.of(SnapshotKey.ENV, "env-key-0123456789abcdef"))
            .isPresent());
    SnapshotCodec viaFileEnv =
        SnapshotCodec.signedWith(
            SnapshotKey.configured(
                    null,
                    Map.of(
                        SnapshotKey.FILE_ENV,
                        f.toString(),
                        SnapshotKey.ENV,
                        "ignored-0123456789abcdef"))
                .orElseThrow());
    viaFileEnv.verify(byFile, V1);
  }
}
