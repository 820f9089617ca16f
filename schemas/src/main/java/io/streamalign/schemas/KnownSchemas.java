package io.streamalign.schemas;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every writer schema StreamAlign can read: the current schema of each top-level record plus the
 * earlier versions kept as resources.
 *
 * <p>Earlier versions live in the repository at {@code schemas/avsc/history/<Record>/v<N>.avsc} (N
 * = 1, 2, ... without gaps), each a complete, self-contained schema, and on the class path at
 * {@code io/streamalign/schemas/history/<Record>/v<N>.avsc}. When a record's schema changes, copy
 * the committed {@code schemas/avsc/<Record>.avsc} (the schema as it was before the change) to the
 * next free version there (README.md, "Schema evolution"): records already on the topics, written
 * by older producers, then still decode (their fingerprint is found here and Avro's schema
 * resolution fills the new fields with their defaults). A schema that the current reader cannot
 * read fails at class initialization, not at run time; {@code SchemaCompatibilityTest} also checks
 * the other direction.
 */
public final class KnownSchemas {
  /** The top-level records that travel on topics, in topic order. */
  public static final List<Class<? extends SpecificRecord>> RECORDS =
      List.of(
          VideoFrame.class,
          AudioChunk.class,
          TextSegment.class,
          LabelEvent.class,
          PairedSample.class,
          SupportExample.class,
          Prediction.class,
          ModelSnapshot.class,
          TrainerMetrics.class,
          DeadLetter.class);

  static final String HISTORY_DIR = "/io/streamalign/schemas/history/";

  private static final SchemaStore.Cache STORE = new SchemaStore.Cache();
  private static final Map<Long, Schema> BY_FINGERPRINT;
  private static final Map<String, List<Schema>> HISTORY;

  static {
    Map<Long, Schema> byFp = new LinkedHashMap<>();
    Map<String, List<Schema>> history = new LinkedHashMap<>();
    for (Class<? extends SpecificRecord> type : RECORDS) {
      Schema current = currentSchema(type);
      register(byFp, current);
      List<Schema> versions = loadHistory(current);
      for (Schema old : versions) {
        SchemaCompatibility.SchemaPairCompatibility c =
            SchemaCompatibility.checkReaderWriterCompatibility(current, old);
        if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          throw new IllegalStateException(
              "historical schema of "
                  + current.getFullName()
                  + " cannot be read by the current schema: "
                  + c.getDescription());
        }
        register(byFp, old);
      }
      history.put(current.getFullName(), Collections.unmodifiableList(versions));
    }
    BY_FINGERPRINT = Collections.unmodifiableMap(byFp);
    HISTORY = Collections.unmodifiableMap(history);
  }

  private KnownSchemas() {}

  private static void register(Map<Long, Schema> byFp, Schema schema) {
    long fp = fingerprint(schema);
    Schema clash = byFp.putIfAbsent(fp, schema);
    if (clash == null) {
      STORE.addSchema(schema);
    }
  }

  /**
   * The CRC-64-AVRO fingerprint of the schema's parsing canonical form (what single-object encoding
   * writes).
   */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  /** The schema the generated class was compiled from. */
  public static Schema currentSchema(Class<? extends SpecificRecord> type) {
    try {
      return (Schema) type.getMethod("getClassSchema").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(type.getName() + " is not a generated Avro record", e);
    }
  }

  private static List<Schema> loadHistory(Schema current) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = HISTORY_DIR + current.getName() + "/v" + v + ".avsc";
      try (InputStream in = KnownSchemas.class.getResourceAsStream(resource)) {
        if (in == null) {
          return versions;
        }
        Schema old = new Schema.Parser().parse(in);
        if (!old.getFullName().equals(current.getFullName())) {
          throw new IllegalStateException(
              resource + " defines " + old.getFullName() + ", expected " + current.getFullName());
        }
        versions.add(old);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
  }

  /**
   * What makes a schema change unsafe without a registry, where readers and writers upgrade in any
   * order: the current schema must read every earlier version (backward: old records on the topics)
   * and every earlier version must read the current one (forward: consumers not yet upgraded).
   * Empty when the change is compatible both ways (Avro's {@link SchemaCompatibility}); the build's
   * {@code SchemaCompatibilityTest} fails on any entry.
   */
  public static List<String> compatibilityProblems(Schema current, List<Schema> earlier) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < earlier.size(); i++) {
      Schema old = earlier.get(i);
      String name = current.getName() + " v" + (i + 1);
      SchemaCompatibility.SchemaPairCompatibility back =
          SchemaCompatibility.checkReaderWriterCompatibility(current, old);
      if (back.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        problems.add(
            "the current "
                + current.getName()
                + " cannot read records written with "
                + name
                + ": "
                + back.getResult().getIncompatibilities());
      }
      SchemaCompatibility.SchemaPairCompatibility fwd =
          SchemaCompatibility.checkReaderWriterCompatibility(old, current);
      if (fwd.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
        problems.add(
            "a reader with "
                + name
                + " cannot read records written with the current "
                + current.getName()
                + ": "
                + fwd.getResult().getIncompatibilities());
      }
    }
    return problems;
  }

  /** A store with every known schema, current and historical, for {@code BinaryMessageDecoder}. */
  public static SchemaStore store() {
    return STORE;
  }

  /** The known schema with this fingerprint, or null. */
  public static Schema byFingerprint(long fingerprint) {
    return BY_FINGERPRINT.get(fingerprint);
  }

  /** The earlier versions of a record's schema, oldest first (empty if it never changed). */
  public static List<Schema> history(Class<? extends SpecificRecord> type) {
    return HISTORY.getOrDefault(currentSchema(type).getFullName(), List.of());
  }
}
