package io.streamalign.serving.model;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.ServableModel;
import io.streamalign.records.Modalities;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.records.SnapshotVerificationException;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.serving.model.SnapshotRejectedException.Reason;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks a {@code ModelSnapshot} record before it may be served, and restores it; runs on the
 * snapshot follower's thread, off the prediction hot path.
 *
 * <p>Checks: the records module's {@link SnapshotCodec#verify} (the sha256 of the parameters, the
 * HMAC signature when a snapshot key is configured, the format version); the config JSON parses and
 * is {@link LearnerConfig#compatibleWith compatible} with the served model's (same input shapes and
 * embedding size); the learner restores the bytes (the restore function throws, e.g. {@code
 * SnapshotException}, on bad bytes); the restored learner's own config is compatible too.
 */
public final class SnapshotVerifier {

  private final Function<byte[], ? extends ServableModel> restore;
  private final Set<Integer> formatVersions;
  private final Function<String, LearnerConfig> configParser;
  private final SnapshotCodec codec;

  /**
   * @param restore restores learner bytes (e.g. {@code CrossModalModel::restore})
   * @param formatVersions format versions accepted
   */
  public SnapshotVerifier(
      Function<byte[], ? extends ServableModel> restore, Set<Integer> formatVersions) {
    this(restore, formatVersions, SnapshotCodec.unsigned());
  }

  /**
   * @param codec checks hashes and, when it has a key, signatures (unsigned snapshots are then
   *     rejected)
   */
  public SnapshotVerifier(
      Function<byte[], ? extends ServableModel> restore,
      Set<Integer> formatVersions,
      SnapshotCodec codec) {
    this(restore, formatVersions, LearnerConfig::fromJson, codec);
  }

  SnapshotVerifier(
      Function<byte[], ? extends ServableModel> restore,
      Set<Integer> formatVersions,
      Function<String, LearnerConfig> configParser,
      SnapshotCodec codec) {
    this.restore = Objects.requireNonNull(restore, "restore");
    this.formatVersions = Set.copyOf(formatVersions);
    this.configParser = configParser;
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /**
   * Verifies and restores {@code snapshot}; the returned model holds one reference owned by the
   * caller.
   *
   * @param served the config of the model served now, or {@code null} when none is
   * @throws SnapshotRejectedException with the reason when any check fails
   */
  public ServedModel verify(ModelSnapshot snapshot, LearnerConfig served)
      throws SnapshotRejectedException {
    String what = snapshot.getModelName() + " v" + snapshot.getVersion();
    byte[] params;
    try {
      params = codec.verify(snapshot, formatVersions);
    } catch (SnapshotVerificationException e) {
      throw new SnapshotRejectedException(
          Reason.valueOf(e.reason().name()),
          e.getMessage().substring(e.reason().name().length() + 2));
    }
    LearnerConfig cfg;
    try {
      cfg = configParser.apply(snapshot.getConfigJson());
    } catch (RuntimeException e) {
      throw new SnapshotRejectedException(
          Reason.BAD_CONFIG, what + ": config JSON does not parse: " + e.getMessage(), e);
    }
    if (served != null && !served.compatibleWith(cfg)) {
      throw new SnapshotRejectedException(
          Reason.INCOMPATIBLE_CONFIG,
          what
              + ": config "
              + describe(cfg)
              + " is not compatible with the served "
              + describe(served));
    }
    ServableModel learner;
    try {
      learner = restore.apply(params);
    } catch (RuntimeException e) {
      throw new SnapshotRejectedException(Reason.RESTORE_FAILED, what + ": " + e, e);
    }
    if (learner == null) {
      throw new SnapshotRejectedException(
          Reason.RESTORE_FAILED, what + ": restore returned no learner");
    }
    LearnerConfig restored = learner.config();
    if (!cfg.compatibleWith(restored) || (served != null && !served.compatibleWith(restored))) {
      learner.close();
      throw new SnapshotRejectedException(
          Reason.INCOMPATIBLE_CONFIG,
          what
              + ": restored learner's config "
              + describe(restored)
              + " differs from the declared "
              + describe(cfg));
    }
    Set<Modality> modalities = Modalities.toModel(snapshot.getModalities());
    return new ServedModel(snapshot.getModelName(), snapshot.getVersion(), learner, modalities);
  }

  private static String describe(LearnerConfig c) {
    if (c == null) return "null";
    return "{video "
        + c.videoChannels()
        + "x"
        + c.videoHeight()
        + "x"
        + c.videoWidth()
        + ", audio "
        + c.audioMelBands()
        + "x"
        + c.audioFrames()
        + ", text "
        + c.textVocab()
        + ", dim "
        + c.embeddingDim()
        + "}";
  }
}
