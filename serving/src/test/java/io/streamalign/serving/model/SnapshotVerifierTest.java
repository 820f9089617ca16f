package io.streamalign.serving.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.SnapshotException;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.serving.model.SnapshotRejectedException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SnapshotVerifierTest {

  /**
   * Restores the tiny learner from bytes "OK:<config json>" and fails like the real one otherwise.
   */
  private static final Function<byte[], TinyLearner> RESTORE =
      bytes -> {
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (!s.startsWith("OK:")) throw new SnapshotException("bad magic");
        return new TinyLearner(LearnerConfig.fromJson(s.substring(3)));
      };

  private final SnapshotVerifier verifier = new SnapshotVerifier(RESTORE, Set.of(1));

  private static ModelSnapshot snapshot(
      long version, int format, LearnerConfig cfg, byte[] params, String sha) {
    return ModelSnapshot.newBuilder()
        .setModelName("m")
        .setVersion(version)
        .setFormatVersion(format)
        .setCreatedAtMs(0L)
        .setConfigJson(cfg.toJson())
        .setParameters(ByteBuffer.wrap(params))
        .setSha256(sha)
        .setClasses(List.of("a", "b"))
        .setModalities(List.of(Modality.VIDEO, Modality.AUDIO))
        .setPromoted(true)
        .setSamplesSeen(0L)
        .setLearnerClass(TinyLearner.class.getName())
        .setBuildVersion("test")
        .build();
  }

  private static ModelSnapshot good(long version, LearnerConfig cfg) {
    byte[] params = ("OK:" + cfg.toJson()).getBytes(StandardCharsets.UTF_8);
    return snapshot(
        version, 1, cfg, params, io.streamalign.records.SnapshotCodec.sha256Hex(params));
  }

  @Test
  void acceptsAGoodSnapshot() throws Exception {
    ServedModel m = verifier.verify(good(3, LearnerConfig.defaults()), LearnerConfig.defaults());
    assertEquals(3, m.version());
    assertEquals(
        Set.of(io.streamalign.model.Modality.VIDEO, io.streamalign.model.Modality.AUDIO),
        m.modalities());
    m.release();
    assertTrue(m.isClosed());
  }

  @Test
  void rejectsAWrongSha256() {
    ModelSnapshot s = good(2, LearnerConfig.defaults());
    byte[] params = new byte[s.getParameters().remaining()];
    s.getParameters().duplicate().get(params);
    params[params.length - 1] ^= 1; // one flipped bit in transit
    s.setParameters(ByteBuffer.wrap(params));
    SnapshotRejectedException e =
        assertThrows(
            SnapshotRejectedException.class, () -> verifier.verify(s, LearnerConfig.defaults()));
    assertEquals(Reason.SHA256_MISMATCH, e.reason());
  }

  @Test
  void rejectsAnUnsupportedFormatVersion() {
    LearnerConfig cfg = LearnerConfig.defaults();
    byte[] params = ("OK:" + cfg.toJson()).getBytes(StandardCharsets.UTF_8);
    ModelSnapshot s =
        snapshot(2, 99, cfg, params, io.streamalign.records.SnapshotCodec.sha256Hex(params));
    SnapshotRejectedException e =
        assertThrows(
            SnapshotRejectedException.class, () -> verifier.verify(s, LearnerConfig.defaults()));
    assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
  }

  @Test
  void rejectsAnIncompatibleConfig() {
    LearnerConfig other = LearnerConfig.defaults().with("embeddingDim", 64);
    SnapshotRejectedException e =
        assertThrows(
            SnapshotRejectedException.class,
            () -> verifier.verify(good(2, other), LearnerConfig.defaults()));
    assertEquals(Reason.INCOMPATIBLE_CONFIG, e.reason());
    // with nothing served yet, any well-formed config is fine
    try {
      verifier.verify(good(2, other), null).release();
    } catch (SnapshotRejectedException unexpected) {
      throw new AssertionError(unexpected);
    }
  }

  @Test
  void rejectsBytesTheLearnerCannotRestore() {
    byte[] params = "garbage".getBytes(StandardCharsets.UTF_8);
    ModelSnapshot s =
        snapshot(
            2,
            1,
            LearnerConfig.defaults(),
            params,
            io.streamalign.records.SnapshotCodec.sha256Hex(params));
    SnapshotRejectedException e =
        assertThrows(
            SnapshotRejectedException.class, () -> verifier.verify(s, LearnerConfig.defaults()));
    assertEquals(Reason.RESTORE_FAILED, e.reason());
  }

  @Test
  void rejectsConfigJsonThatDoesNotParse() {
    ModelSnapshot s = good(2, LearnerConfig.defaults());
    s.setConfigJson("{not json");
    SnapshotRejectedException e =
        assertThrows(
            SnapshotRejectedException.class, () -> verifier.verify(s, LearnerConfig.defaults()));
    assertEquals(Reason.BAD_CONFIG, e.reason());
  }
}
