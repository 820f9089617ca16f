package io.streamalign.serving.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.SnapshotException;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.records.SnapshotKey;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.SnapshotRejectedException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Serving with a snapshot key: unsigned and badly signed snapshots are refused, and cannot pin it.
 */
class SnapshotTrustTest {

  private static final Function<byte[], TinyLearner> RESTORE =
      bytes -> {
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (!s.startsWith("OK:")) throw new SnapshotException("bad magic");
        return new TinyLearner(LearnerConfig.fromJson(s.substring(3)));
      };
  private static final SnapshotKey KEY = SnapshotKey.of("serving-test-key-0123456789");
  private static final SnapshotCodec SIGNED = SnapshotCodec.signedWith(KEY);

  private static ModelSnapshot.Builder builder(long version) {
    LearnerConfig cfg = LearnerConfig.defaults();
    byte[] params = ("OK:" + cfg.toJson()).getBytes(StandardCharsets.UTF_8);
    return ModelSnapshot.newBuilder()
        .setModelName("m")
        .setVersion(version)
        .setFormatVersion(1)
        .setCreatedAtMs(0L)
        .setConfigJson(cfg.toJson())
        .setParameters(ByteBuffer.wrap(params))
        .setSha256("")
        .setClasses(List.of("a", "b"))
        .setModalities(List.of(Modality.VIDEO, Modality.AUDIO))
        .setPromoted(true)
        .setSamplesSeen(0L)
        .setLearnerClass(TinyLearner.class.getName())
        .setBuildVersion("test");
  }

  @Test
  void withAKeyOnlyValidlySignedSnapshotsAreServed() throws Exception {
    SnapshotVerifier verifier = new SnapshotVerifier(RESTORE, Set.of(1), SIGNED);
    verifier.verify(SIGNED.seal(builder(2)), null).release();
    SnapshotRejectedException unsigned =
        assertThrows(
            SnapshotRejectedException.class,
            () -> verifier.verify(SnapshotCodec.unsigned().seal(builder(2)), null));
    assertEquals(Reason.UNSIGNED, unsigned.reason());
    ModelSnapshot forged =
        ModelSnapshot.newBuilder(SIGNED.seal(builder(2))).setVersion(1_000_000_000L).build();
    assertEquals(
        Reason.BAD_SIGNATURE,
        assertThrows(SnapshotRejectedException.class, () -> verifier.verify(forged, null))
            .reason());
    ModelSnapshot otherKey =
        SnapshotCodec.signedWith(SnapshotKey.of("some-other-key-0123456789")).seal(builder(2));
    assertEquals(
        Reason.BAD_SIGNATURE,
        assertThrows(SnapshotRejectedException.class, () -> verifier.verify(otherKey, null))
            .reason());
    // without a key, signatures are not checked: the signed and the unsigned one both verify
    SnapshotVerifier open = new SnapshotVerifier(RESTORE, Set.of(1));
    open.verify(SIGNED.seal(builder(2)), null).release();
    open.verify(SnapshotCodec.unsigned().seal(builder(2)), null).release();
  }

  @Test
  void aForgedHugeVersionDoesNotPinServingWhenAKeyIsSet() {
    try (ModelHolder holder = new ModelHolder()) {
      ServingMetrics metrics = new ServingMetrics(holder::version);
      SnapshotFollower follower =
          new SnapshotFollower(
              new Properties(),
              "t",
              null,
              "m",
              true,
              new SnapshotVerifier(RESTORE, Set.of(1), SIGNED),
              holder,
              new Enrollments(5),
              metrics);
      assertTrue(follower.install(SIGNED.seal(builder(1))));
      ModelSnapshot forged = SnapshotCodec.unsigned().seal(builder(1_000_000_000L));
      assertFalse(follower.install(forged), "an unsigned snapshot is refused");
      ModelSnapshot resigned =
          ModelSnapshot.newBuilder(SIGNED.seal(builder(2))).setVersion(1_000_000_000L).build();
      assertFalse(
          follower.install(resigned), "a signed snapshot whose version was changed is refused");
      assertEquals(1, holder.version());
      assertTrue(
          follower.install(SIGNED.seal(builder(2))), "the trainer's next snapshot is still served");
      assertEquals(2, holder.version());
    }
  }
}
