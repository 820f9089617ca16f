package io.streamalign.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.DatumReader;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record, using Avro single-object encoding.
 *
 * <p>Each value is {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer
 * schema's parsing canonical form, then the Avro binary body (Avro specification, "Single object
 * encoding"). The bytes are exactly what Avro's {@code BinaryMessageEncoder} writes, and Avro's
 * {@code BinaryMessageDecoder} given {@link KnownSchemas#store()} reads them. No schema registry is
 * needed: the reader looks the fingerprint up in {@link KnownSchemas} (current and historical
 * schemas) and resolves an older writer schema to the current one, filling added fields with their
 * defaults.
 *
 * <p>A writer schema this build does not know (a producer that added an optional field to its copy
 * of the {@code .avsc}) is accepted when the record carries it in the {@value #SCHEMA_HEADER}
 * header (JSON): its fingerprint must match the record's, and Avro's schema compatibility check
 * must find that the current schema can read it; the record is then resolved like a historical one
 * (README.md, "Schema evolution"; docs/producing.md, "Headers"). Without the header, an unknown
 * fingerprint is an error.
 *
 * <p>Decoding is bounded: every length in the body is checked against the bytes actually present
 * (see {@link BoundedBinaryDecoder}), so random, truncated or hostile input fails fast with an
 * {@link AvroDecodeException} instead of allocating what a length prefix claims. {@code null} bytes
 * decode to {@code null} (a tombstone) and a {@code null} record encodes to {@code null}.
 *
 * <p>Instances are immutable and thread-safe; one instance can serve as both serializer and
 * deserializer.
 */
public final class AvroSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {
  /** Length of the single-object header: 2 magic bytes plus the 8-byte fingerprint. */
  public static final int HEADER_LENGTH = 10;

  static final byte MAGIC_0 = (byte) 0xC3;
  static final byte MAGIC_1 = (byte) 0x01;

  /**
   * Optional record header carrying the writer schema (JSON, UTF-8) for writers this build does not
   * know.
   */
  public static final String SCHEMA_HEADER = "avro.schema";

  /**
   * Largest {@value #SCHEMA_HEADER} header read (the largest StreamAlign schema is about 10 KiB).
   */
  static final int MAX_SCHEMA_HEADER_BYTES = 256 * 1024;

  /** At most this many writer schemas learnt from headers are remembered per record type. */
  static final int MAX_HEADER_SCHEMAS = 64;

  private static final Map<Class<?>, AvroSerde<?>> INSTANCES = new ConcurrentHashMap<>();

  private final Class<T> type;
  private final Schema schema;
  private final long fingerprint;
  private final SpecificData model;
  private final BinaryMessageEncoder<T> encoder;
  private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();
  private final AtomicInteger headerSchemas = new AtomicInteger();

  private AvroSerde(Class<T> type) {
    this.type = type;
    this.schema = KnownSchemas.currentSchema(type);
    this.fingerprint = KnownSchemas.fingerprint(schema);
    this.model = SpecificData.getForClass(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
  }

  /**
   * The (shared) serde for a generated record class, e.g. {@code AvroSerde.of(PairedSample.class)}.
   */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return (AvroSerde<T>) INSTANCES.computeIfAbsent(type, t -> new AvroSerde<>(type));
  }

  /** The record class. */
  public Class<T> type() {
    return type;
  }

  /** The current (reader and writer) schema. */
  public Schema schema() {
    return schema;
  }

  /** Fingerprint of the current schema, as written in every header. */
  public long fingerprint() {
    return fingerprint;
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    // nothing to configure: schemas are compiled in and historical ones are classpath resources
  }

  @Override
  public void close() {
    // stateless apart from caches
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    return encode(data, topic);
  }

  /** Encodes a record (never null) to single-object bytes. */
  public byte[] encode(T data) {
    return encode(Objects.requireNonNull(data, "data"), null);
  }

  private byte[] encode(T data, String topic) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      encoder.encode(data, out);
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot encode " + schema.getName() + where(topic) + ": " + e, e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    return decode(data, topic, null);
  }

  /**
   * As {@link #deserialize(String, byte[])}, also resolving a writer schema sent in the {@value
   * #SCHEMA_HEADER} header.
   */
  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    if (data == null) {
      return null;
    }
    return decode(data, topic, headers);
  }

  /**
   * Decodes single-object bytes.
   *
   * @throws AvroDecodeException if the bytes are not a valid single-object encoded record of this
   *     type
   */
  public T decode(byte[] data) {
    return decode(Objects.requireNonNull(data, "data"), null, null);
  }

  private T decode(byte[] data, String topic, Headers headers) {
    if (data.length < 2 || data[0] != MAGIC_0 || data[1] != MAGIC_1) {
      throw new AvroDecodeException(
          "not Avro single-object encoding"
              + where(topic)
              + ": expected header C3 01, got "
              + hexPrefix(data, 2)
              + " ("
              + data.length
              + " bytes), reading "
              + schema.getName());
    }
    if (data.length < HEADER_LENGTH) {
      throw new AvroDecodeException(
          "truncated single-object header"
              + where(topic)
              + ": "
              + data.length
              + " bytes, need at least "
              + HEADER_LENGTH);
    }
    long fp = 0;
    for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
      fp = (fp << 8) | (data[i] & 0xffL);
    }
    DatumReader<T> reader = readers.get(fp);
    if (reader == null) {
      // the current schema is always known, also for nested types (FeatureTensor) that have no
      // history
      Schema writer = fp == fingerprint ? schema : KnownSchemas.byFingerprint(fp);
      boolean fromHeader = false;
      if (writer == null) {
        writer = schemaFromHeader(headers, fp, topic);
        fromHeader = true;
      }
      if (!writer.getFullName().equals(schema.getFullName())) {
        throw new AvroDecodeException(
            "record is a "
                + writer.getFullName()
                + where(topic)
                + ", expected "
                + schema.getFullName());
      }
      if (fromHeader) {
        SchemaCompatibility.SchemaPairCompatibility c =
            SchemaCompatibility.checkReaderWriterCompatibility(schema, writer);
        if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          throw new AvroDecodeException(
              String.format(
                  "writer schema %016x in header %s%s cannot be read as the" + " current %s: %s",
                  fp, SCHEMA_HEADER, where(topic), schema.getFullName(), c.getDescription()));
        }
      }
      reader = new SpecificDatumReader<>(writer, schema, model);
      if (!fromHeader || headerSchemas.incrementAndGet() <= MAX_HEADER_SCHEMAS) {
        readers.put(fp, reader);
      }
    }
    BoundedBinaryDecoder in =
        new BoundedBinaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH);
    T result;
    try {
      result = reader.read(null, in);
    } catch (IOException | RuntimeException e) {
      throw new AvroDecodeException(
          String.format(
              "cannot decode %s%s (writer schema %016x, %d bytes): %s",
              schema.getName(), where(topic), fp, data.length, e),
          e);
    }
    if (in.remaining() != 0) {
      throw new AvroDecodeException(
          String.format(
              "%d unexpected trailing bytes after a %s%s (writer schema %016x," + " %d bytes)",
              in.remaining(), schema.getName(), where(topic), fp, data.length));
    }
    return result;
  }

  /** The writer schema sent in the record's header, checked against the record's fingerprint. */
  private Schema schemaFromHeader(Headers headers, long fp, String topic) {
    Header h = headers == null ? null : headers.lastHeader(SCHEMA_HEADER);
    if (h == null || h.value() == null) {
      throw new AvroDecodeException(
          String.format(
              "unknown writer schema fingerprint %016x%s while reading %s (current %016x): written with a schema this"
                  + " reader does not know (a newer producer: upgrade consumers first, or send the writer schema in"
                  + " the '%s' header), or an older schema missing from %s",
              fp,
              where(topic),
              schema.getFullName(),
              fingerprint,
              SCHEMA_HEADER,
              KnownSchemas.HISTORY_DIR));
    }
    if (h.value().length > MAX_SCHEMA_HEADER_BYTES) {
      throw new AvroDecodeException(
          "header "
              + SCHEMA_HEADER
              + where(topic)
              + " is "
              + h.value().length
              + " bytes, more than "
              + MAX_SCHEMA_HEADER_BYTES);
    }
    Schema writer;
    try {
      writer = new Schema.Parser().parse(new String(h.value(), StandardCharsets.UTF_8));
    } catch (RuntimeException | StackOverflowError e) {
      throw new AvroDecodeException(
          "header " + SCHEMA_HEADER + where(topic) + " is not an Avro schema: " + e);
    }
    long headerFp = KnownSchemas.fingerprint(writer);
    if (headerFp != fp) {
      throw new AvroDecodeException(
          String.format(
              "header %s%s holds schema %016x but the record was written with" + " %016x",
              SCHEMA_HEADER, where(topic), headerFp, fp));
    }
    return writer;
  }

  private static String where(String topic) {
    return topic == null ? "" : " on topic " + topic;
  }

  private static String hexPrefix(byte[] data, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(n, data.length); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02X", data[i] & 0xff));
    }
    return sb.length() == 0 ? "nothing" : sb.toString();
  }

  @Override
  public String toString() {
    return "AvroSerde[" + schema.getFullName() + String.format(", fingerprint %016x]", fingerprint);
  }
}
