package io.streamalign.records;

import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one snapshot codec: makes a {@code ModelSnapshot} record from learner snapshot bytes and
 * verifies one before it is restored, in the trainer, serving and the benchmarks alike.
 *
 * <p>{@link #seal} fills the record's {@code sha256} (lower-case hex SHA-256 of the parameters),
 * {@code formatVersion} (read from the parameters: the model's snapshot bytes start with the magic
 * {@code "SALN"} and an int format version; other learners' bytes count as version 1) and, when a
 * {@link SnapshotKey} is configured, {@code signature}: the hex HMAC-SHA256, under the key, of a
 * canonical encoding of every other field of the record (name, version, format version, creation
 * time, config, sha256, classes, modalities, metrics, promotion, source offsets, samples seen,
 * learner class, build version), so that no field, the version included, can be changed without the
 * key.
 *
 * <p>{@link #verify} checks, in this order: the sha256; with a key, that the record is signed and
 * the signature matches (compared in constant time); the format version is accepted. Without a key,
 * signatures are not checked (an unsigned deployment trusts whoever may write the snapshots topic:
 * protect it with Kafka ACLs; README "Snapshot trust").
 */
public final class SnapshotCodec {

  /** The format version of bytes that do not carry one. */
  public static final int DEFAULT_FORMAT_VERSION = 1;

  private static final int MODEL_MAGIC = 0x53414C4E; // "SALN", the model module's snapshot header
  private static final String SIGNING_CONTEXT = "streamalign.ModelSnapshot.signature.v1";
  private static final String HMAC = "HmacSHA256";

  private final Optional<SnapshotKey> key;

  public SnapshotCodec(Optional<SnapshotKey> key) {
    this.key = key == null ? Optional.empty() : key;
  }

  /** A codec that neither signs nor checks signatures. */
  public static SnapshotCodec unsigned() {
    return new SnapshotCodec(Optional.empty());
  }

  /** A codec that signs with, and requires signatures under, {@code key}. */
  public static SnapshotCodec signedWith(SnapshotKey key) {
    return new SnapshotCodec(Optional.of(key));
  }

  /** True when a key is configured (snapshots are signed, and unsigned ones refused). */
  public boolean signs() {
    return key.isPresent();
  }

  /**
   * Completes a snapshot record whose parameters and other fields are set: its sha256, format
   * version and (with a key) signature.
   */
  public ModelSnapshot seal(ModelSnapshot.Builder b) {
    byte[] params = parameters(b.getParameters());
    b.setSha256(sha256Hex(params));
    b.setFormatVersion(formatVersionOf(params));
    b.setSignature(null);
    ModelSnapshot unsigned = b.build();
    if (key.isEmpty()) return unsigned;
    unsigned.setSignature(hmacHex(key.get(), signingInput(unsigned)));
    return unsigned;
  }

  /**
   * Verifies a snapshot record once; returns its parameter bytes.
   *
   * @param formatVersions the parameter format versions the reader accepts
   * @throws SnapshotVerificationException naming the reason when the record must not be restored
   */
  public byte[] verify(ModelSnapshot s, Set<Integer> formatVersions)
      throws SnapshotVerificationException {
    String what = s.getModelName() + " v" + s.getVersion();
    byte[] params = parameters(s.getParameters());
    String actual = sha256Hex(params);
    String declared = s.getSha256() == null ? "" : s.getSha256().trim();
    if (!actual.equalsIgnoreCase(declared)) {
      throw new SnapshotVerificationException(
          SnapshotVerificationException.Reason.SHA256_MISMATCH,
          what
              + ": sha256 of "
              + params.length
              + " parameter bytes is "
              + actual
              + ", the record says "
              + declared);
    }
    if (key.isPresent()) {
      String sig = s.getSignature();
      if (sig == null || sig.isBlank()) {
        throw new SnapshotVerificationException(
            SnapshotVerificationException.Reason.UNSIGNED,
            what + " is not signed, and a snapshot key is configured");
      }
      byte[] expected = hmac(key.get(), signingInput(s));
      byte[] given;
      try {
        given = HexFormat.of().parseHex(sig.trim().toLowerCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        given = new byte[0];
      }
      if (!MessageDigest.isEqual(expected, given)) {
        throw new SnapshotVerificationException(
            SnapshotVerificationException.Reason.BAD_SIGNATURE,
            what + ": the signature does not match its content under the configured snapshot key");
      }
    }
    if (!formatVersions.contains(s.getFormatVersion())) {
      throw new SnapshotVerificationException(
          SnapshotVerificationException.Reason.UNSUPPORTED_FORMAT,
          what + ": format version " + s.getFormatVersion() + " not in " + formatVersions);
    }
    return params;
  }

  /**
   * The format version in learner snapshot bytes ({@value #DEFAULT_FORMAT_VERSION} when they carry
   * none).
   */
  public static int formatVersionOf(byte[] params) {
    if (params == null || params.length < 8) return DEFAULT_FORMAT_VERSION;
    ByteBuffer b = ByteBuffer.wrap(params);
    return b.getInt(0) == MODEL_MAGIC ? b.getInt(4) : DEFAULT_FORMAT_VERSION;
  }

  /** Lower-case hex SHA-256. */
  public static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** A copy of a record's parameter bytes (empty for none). */
  public static byte[] parameters(ModelSnapshot s) {
    return parameters(s.getParameters());
  }

  private static byte[] parameters(ByteBuffer buf) {
    if (buf == null) return new byte[0];
    ByteBuffer d = buf.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /** The canonical bytes a signature covers: every field except the signature, in a fixed order. */
  static byte[] signingInput(ModelSnapshot s) {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream(512);
      DataOutputStream out = new DataOutputStream(bos);
      str(out, SIGNING_CONTEXT);
      str(out, s.getModelName());
      out.writeLong(s.getVersion());
      out.writeInt(s.getFormatVersion());
      out.writeLong(s.getCreatedAtMs());
      str(out, s.getConfigJson());
      str(
          out,
          s.getSha256() == null ? "" : s.getSha256().trim().toLowerCase(java.util.Locale.ROOT));
      List<String> classes = s.getClasses() == null ? List.of() : s.getClasses();
      out.writeInt(classes.size());
      for (String c : classes) str(out, c);
      out.writeInt(s.getModalities() == null ? 0 : s.getModalities().size());
      if (s.getModalities() != null) for (var m : s.getModalities()) str(out, m.name());
      Map<String, Double> metrics = new TreeMap<>();
      if (s.getMetrics() != null) s.getMetrics().forEach((k, v) -> metrics.put(k.toString(), v));
      out.writeInt(metrics.size());
      for (Map.Entry<String, Double> e : metrics.entrySet()) {
        str(out, e.getKey());
        out.writeLong(Double.doubleToLongBits(e.getValue()));
      }
      out.writeBoolean(s.getPromoted());
      List<TopicPartitionOffset> offsets =
          new ArrayList<>(s.getSourceOffsets() == null ? List.of() : s.getSourceOffsets());
      offsets.sort(
          Comparator.comparing(TopicPartitionOffset::getTopic)
              .thenComparingInt(TopicPartitionOffset::getPartition));
      out.writeInt(offsets.size());
      for (TopicPartitionOffset o : offsets) {
        str(out, o.getTopic());
        out.writeInt(o.getPartition());
        out.writeLong(o.getOffset());
      }
      out.writeLong(s.getSamplesSeen());
      str(out, s.getLearnerClass());
      str(out, s.getBuildVersion());
      out.flush();
      return bos.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    out.writeInt(s == null ? -1 : b.length);
    out.write(b);
  }

  private static String hmacHex(SnapshotKey k, byte[] input) {
    return HexFormat.of().formatHex(hmac(k, input));
  }

  private static byte[] hmac(SnapshotKey k, byte[] input) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(k.secret(), HMAC));
      return mac.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
