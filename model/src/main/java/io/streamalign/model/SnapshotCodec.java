package io.streamalign.model;

import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The learner's binary snapshot format (big-endian, {@link DataOutputStream}):
 *
 * <pre>
 * magic "SALN" | int formatVersion | string configJson | map provenance | list classes
 * | long[] counters | map name -> long[2] prequential counts
 * | int nParams, each: string name, int rank, long[rank] dims, float32[size] values
 * | int nModalities, each: string modality, int nClasses, each: string class, float32[d] prototype
 * | 32 bytes sha256 of everything before
 * </pre>
 *
 * Strings are int length + UTF-8 bytes. Values are stored bit for bit, so a restored learner
 * computes exactly what the original did.
 */
final class SnapshotCodec {

  static final int MAGIC = 0x53414C4E; // "SALN"
  static final int FORMAT_VERSION = 1;
  private static final int MAX_STRING = 16 << 20;

  private SnapshotCodec() {}

  record Header(LearnerConfig config, Map<String, String> provenance) {}

  record Decoded(
      LearnerConfig config,
      Map<String, String> provenance,
      List<String> classes,
      long[] counters,
      Map<String, long[]> prequential,
      Map<String, Shape> shapes,
      Map<String, float[]> values,
      Map<Modality, Map<String, float[]>> prototypes) {}

  static byte[] encode(
      LearnerConfig cfg,
      Map<String, String> provenance,
      List<String> classes,
      long[] counters,
      Map<String, long[]> prequential,
      Map<String, Shape> shapes,
      Map<String, float[]> values,
      Map<Modality, Map<String, float[]>> prototypes) {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream(1 << 20);
      DataOutputStream out = new DataOutputStream(bos);
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      writeString(out, cfg.toJson());
      out.writeInt(provenance.size());
      for (Map.Entry<String, String> e : provenance.entrySet()) {
        writeString(out, e.getKey());
        writeString(out, e.getValue() == null ? "" : e.getValue());
      }
      out.writeInt(classes.size());
      for (String c : classes) writeString(out, c);
      out.writeInt(counters.length);
      for (long c : counters) out.writeLong(c);
      out.writeInt(prequential.size());
      for (Map.Entry<String, long[]> e : prequential.entrySet()) {
        writeString(out, e.getKey());
        out.writeLong(e.getValue()[0]);
        out.writeLong(e.getValue()[1]);
      }
      out.writeInt(shapes.size());
      for (Map.Entry<String, Shape> e : shapes.entrySet()) {
        writeString(out, e.getKey());
        long[] dims = e.getValue().getShape();
        out.writeInt(dims.length);
        for (long d : dims) out.writeLong(d);
        writeFloats(out, values.get(e.getKey()));
      }
      out.writeInt(prototypes.size());
      for (Map.Entry<Modality, Map<String, float[]>> e : prototypes.entrySet()) {
        writeString(out, e.getKey().name());
        out.writeInt(e.getValue().size());
        for (Map.Entry<String, float[]> p : e.getValue().entrySet()) {
          writeString(out, p.getKey());
          out.writeInt(p.getValue().length);
          writeFloats(out, p.getValue());
        }
      }
      out.flush();
      byte[] body = bos.toByteArray();
      byte[] sha = sha256(body, body.length);
      byte[] all = Arrays.copyOf(body, body.length + sha.length);
      System.arraycopy(sha, 0, all, body.length, sha.length);
      return all;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Header header(byte[] bytes) {
    DataInputStream in = verified(bytes);
    try {
      LearnerConfig cfg = readConfig(in);
      return new Header(cfg, readProvenance(in));
    } catch (IOException | RuntimeException e) {
      throw e instanceof SnapshotException se
          ? se
          : new SnapshotException("corrupt snapshot header: " + e.getMessage(), e);
    }
  }

  static Decoded decode(byte[] bytes) {
    DataInputStream in = verified(bytes);
    try {
      LearnerConfig cfg = readConfig(in);
      Map<String, String> prov = readProvenance(in);
      int nc = count(in);
      List<String> classes = new ArrayList<>();
      for (int i = 0; i < nc; i++) classes.add(readString(in));
      long[] counters = new long[count(in)];
      for (int i = 0; i < counters.length; i++) counters[i] = in.readLong();
      if (counters.length < 7)
        throw new SnapshotException("snapshot has " + counters.length + " counters, expected 7");
      Map<String, long[]> preq = new LinkedHashMap<>();
      int np = count(in);
      for (int i = 0; i < np; i++)
        preq.put(readString(in), new long[] {in.readLong(), in.readLong()});
      Map<String, Shape> shapes = new LinkedHashMap<>();
      Map<String, float[]> values = new LinkedHashMap<>();
      int nparams = count(in);
      for (int i = 0; i < nparams; i++) {
        String name = readString(in);
        int rank = count(in);
        long[] dims = new long[rank];
        long size = 1;
        for (int r = 0; r < rank; r++) {
          dims[r] = in.readLong();
          if (dims[r] < 0) throw new SnapshotException("negative dimension in " + name);
          size *= dims[r];
        }
        if (size > Integer.MAX_VALUE || size * 4 > bytes.length)
          throw new SnapshotException("parameter " + name + " too large");
        shapes.put(name, new Shape(dims));
        values.put(name, readFloats(in, (int) size));
      }
      Map<Modality, Map<String, float[]>> protos = new EnumMap<>(Modality.class);
      int nm = count(in);
      for (int i = 0; i < nm; i++) {
        Modality m = Modality.valueOf(readString(in));
        Map<String, float[]> map = new LinkedHashMap<>();
        int k = count(in);
        for (int j = 0; j < k; j++) {
          String c = readString(in);
          int len = count(in);
          map.put(c, readFloats(in, len));
        }
        protos.put(m, map);
      }
      if (in.available() != 32) throw new SnapshotException("trailing bytes in snapshot");
      return new Decoded(cfg, prov, classes, counters, preq, shapes, values, protos);
    } catch (IOException | RuntimeException e) {
      throw e instanceof SnapshotException se
          ? se
          : new SnapshotException("corrupt snapshot: " + e.getMessage(), e);
    }
  }

  /**
   * Checks length, sha256 trailer, magic and version; returns a stream positioned after the
   * version.
   */
  private static DataInputStream verified(byte[] bytes) {
    if (bytes == null || bytes.length < 8 + 32) throw new SnapshotException("snapshot too short");
    int bodyLen = bytes.length - 32;
    byte[] sha = sha256(bytes, bodyLen);
    if (!MessageDigest.isEqual(sha, Arrays.copyOfRange(bytes, bodyLen, bytes.length))) {
      throw new SnapshotException("snapshot sha256 mismatch (corrupt or truncated)");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      int magic = in.readInt();
      if (magic != MAGIC)
        throw new SnapshotException("not a StreamAlign learner snapshot (bad magic)");
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new SnapshotException(
            "unsupported snapshot format version "
                + version
                + " (this build reads "
                + FORMAT_VERSION
                + ")");
      }
    } catch (IOException e) {
      throw new SnapshotException("corrupt snapshot", e);
    }
    return in;
  }

  private static LearnerConfig readConfig(DataInputStream in) throws IOException {
    String json = readString(in);
    try {
      return LearnerConfig.fromJson(json);
    } catch (RuntimeException e) {
      throw new SnapshotException("snapshot config does not parse: " + e.getMessage(), e);
    }
  }

  private static Map<String, String> readProvenance(DataInputStream in) throws IOException {
    Map<String, String> prov = new LinkedHashMap<>();
    int n = count(in);
    for (int i = 0; i < n; i++) prov.put(readString(in), readString(in));
    return Collections.unmodifiableMap(prov);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING) throw new SnapshotException("bad count " + n);
    return n;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = count(in);
    if (n > in.available()) throw new SnapshotException("truncated string");
    byte[] b = in.readNBytes(n);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.BIG_ENDIAN);
    bb.asFloatBuffer().put(v);
    out.write(bb.array());
  }

  private static float[] readFloats(InputStream in, int n) throws IOException {
    if ((long) n * 4 > in.available()) throw new SnapshotException("truncated float data");
    byte[] b = in.readNBytes(n * 4);
    float[] v = new float[n];
    ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(v);
    return v;
  }

  static byte[] sha256(byte[] b, int len) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(b, 0, len);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Maven project version this class was built as ("unknown" outside a Maven build). */
  static String buildVersion() {
    try (InputStream in =
        SnapshotCodec.class.getResourceAsStream("/io/streamalign/model/build.properties")) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
