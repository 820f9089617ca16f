package io.streamalign.serving.model;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.ServableModel;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.serving.model.SnapshotRejectedException.Reason;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks a {@code ModelSnapshot} record before it may be served, and restores it; runs on the
 * snapshot follower's thread, off the prediction hot path.
 *
 * <p>Checks, cheapest first: the record's format version is supported; the sha256 of the
 * parameters equals the record's {@code sha256}; the config JSON parses and is
 * {@link LearnerConfig#compatibleWith compatible} with the served model's (same input shapes and
 * embedding size); the learner restores the bytes (the restore function throws, e.g.
 * {@code SnapshotException}, on bad bytes); the restored learner's own config is compatible too.
 */
public final class SnapshotVerifier {

    private final Function<byte[], ? extends ServableModel> restore;
    private final Set<Integer> formatVersions;
    private final Function<String, LearnerConfig> configParser;

    /**
     * @param restore        restores learner bytes (e.g. {@code CrossModalModel::restore})
     * @param formatVersions format versions accepted
     */
    public SnapshotVerifier(Function<byte[], ? extends ServableModel> restore, Set<Integer> formatVersions) {
        this(restore, formatVersions, LearnerConfig::fromJson);
    }

    SnapshotVerifier(Function<byte[], ? extends ServableModel> restore, Set<Integer> formatVersions,
                     Function<String, LearnerConfig> configParser) {
        this.restore = Objects.requireNonNull(restore, "restore");
        this.formatVersions = Set.copyOf(formatVersions);
        this.configParser = configParser;
    }

    /**
     * Verifies and restores {@code snapshot}; the returned model holds one reference owned by the
     * caller.
     *
     * @param served the config of the model served now, or {@code null} when none is
     * @throws SnapshotRejectedException with the reason when any check fails
     */
    public ServedModel verify(ModelSnapshot snapshot, LearnerConfig served) throws SnapshotRejectedException {
        String what = snapshot.getModelName() + " v" + snapshot.getVersion();
        if (!formatVersions.contains(snapshot.getFormatVersion())) {
            throw new SnapshotRejectedException(Reason.UNSUPPORTED_FORMAT, what + ": format version "
                    + snapshot.getFormatVersion() + " not in " + formatVersions);
        }
        byte[] params = bytes(snapshot.getParameters());
        String actual = sha256Hex(params);
        String declared = snapshot.getSha256() == null ? "" : snapshot.getSha256().trim();
        if (!actual.equalsIgnoreCase(declared)) {
            throw new SnapshotRejectedException(Reason.SHA256_MISMATCH, what + ": sha256 of " + params.length
                    + " parameter bytes is " + actual + ", record says " + declared);
        }
        LearnerConfig cfg;
        try {
            cfg = configParser.apply(snapshot.getConfigJson());
        } catch (RuntimeException e) {
            throw new SnapshotRejectedException(Reason.BAD_CONFIG, what + ": config JSON does not parse: " + e.getMessage(), e);
        }
        if (served != null && !served.compatibleWith(cfg)) {
            throw new SnapshotRejectedException(Reason.INCOMPATIBLE_CONFIG, what + ": config " + describe(cfg)
                    + " is not compatible with the served " + describe(served));
        }
        ServableModel learner;
        try {
            learner = restore.apply(params);
        } catch (RuntimeException e) {
            throw new SnapshotRejectedException(Reason.RESTORE_FAILED, what + ": " + e, e);
        }
        if (learner == null) {
            throw new SnapshotRejectedException(Reason.RESTORE_FAILED, what + ": restore returned no learner");
        }
        LearnerConfig restored = learner.config();
        if (!cfg.compatibleWith(restored) || (served != null && !served.compatibleWith(restored))) {
            learner.close();
            throw new SnapshotRejectedException(Reason.INCOMPATIBLE_CONFIG, what + ": restored learner's config "
                    + describe(restored) + " differs from the declared " + describe(cfg));
        }
        Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        if (snapshot.getModalities() != null) {
            snapshot.getModalities().forEach(m -> modalities.add(Modality.valueOf(m.name())));
        }
        return new ServedModel(snapshot.getModelName(), snapshot.getVersion(), learner, modalities);
    }

    /** Lower-case hex sha256. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static byte[] bytes(ByteBuffer buf) {
        if (buf == null) return new byte[0];
        ByteBuffer b = buf.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static String describe(LearnerConfig c) {
        if (c == null) return "null";
        return "{video " + c.videoChannels() + "x" + c.videoHeight() + "x" + c.videoWidth() + ", audio "
                + c.audioMelBands() + "x" + c.audioFrames() + ", text " + c.textVocab() + ", dim " + c.embeddingDim() + "}";
    }
}
