package io.streamalign.ingest.pairing;

import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes the raw bytes of one input topic, validates and featurizes the record, and forwards
 * either the result or a {@link DeadLetter} (the {@link Outcome}); the record timestamp becomes the
 * value's event time. Nothing thrown here escapes: every failure becomes a dead letter.
 *
 * <p>Before decoding, a value larger than {@link InputRules#maxValueBytes()} is rejected; after the
 * topic's own checks, an event time more than {@link InputRules#maxFutureSkew()} ahead of the
 * record's Kafka timestamp or of the wall clock (whichever is earlier) is rejected, so it never
 * reaches the windowed joins and never moves their stream time.
 */
final class DecodeProcessor<T, R> implements FixedKeyProcessor<String, byte[], Outcome<R>> {

  static final String STAGE_DECODE = "pairing.decode";
  static final String STAGE_VALIDATE = "pairing.validate";
  static final String STAGE_FEATURIZE = "pairing.featurize";

  /**
   * Header a producer may set to tell its sessions apart (docs/producing.md, "Sequence numbers").
   */
  static final String SESSION_HEADER = "streamalign.session";

  /** Longest session accepted (characters of {@code [A-Za-z0-9._-]}). */
  static final int MAX_SESSION_CHARS = 64;

  private static final java.util.regex.Pattern SESSION_CHARS =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]+");

  /** Most header bytes (keys and values) an input record may carry. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /**
   * Validates and converts a decoded record; throws {@link InvalidInputException} or a feature
   * error. {@code session} is the producer session of the record, or null when it has none.
   */
  interface Step<T, R> {
    R apply(String key, T value, String session);
  }

  private final String topic;
  private final Deserializer<T> deserializer;
  private final Step<T, R> step;
  private final Function<R, Long> timestamp;
  private final InputRules rules;
  private final InputActivity activity;
  // MomentParts bit of this topic's records (0 for labels)
  private final int ownPart;
  private FixedKeyProcessorContext<String, Outcome<R>> context;

  DecodeProcessor(
      String topic,
      Deserializer<T> deserializer,
      Step<T, R> step,
      Function<R, Long> timestamp,
      InputRules rules,
      InputActivity activity,
      int ownPart) {
    this.activity = activity;
    this.ownPart = ownPart;
    this.topic = topic;
    this.deserializer = deserializer;
    this.step = step;
    this.timestamp = timestamp;
    this.rules = rules;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Outcome<R>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, byte[]> record) {
    activity.saw(context.currentSystemTimeMs());
    byte[] raw = record.value();
    T decoded;
    String session;
    int parts;
    try {
      session = session(record.headers());
      parts = MomentParts.read(record.headers(), ownPart);
      if (raw == null) {
        throw new InvalidInputException(
            "null value (tombstone) is not a valid " + topic + " record");
      }
      long cut = BoundedValueDeserializer.cutSize(record.headers());
      if (cut >= 0) {
        throw new InvalidInputException(
            "oversized value: "
                + cut
                + " bytes, more than the "
                + rules.maxValueBytes()
                + " an input record may have (cut to its first "
                + raw.length
                + " bytes as it was read)");
      }
      if (raw.length > rules.maxValueBytes()) {
        throw new InvalidInputException(
            "oversized value: "
                + raw.length
                + " bytes, more than the "
                + rules.maxValueBytes()
                + " an input record may have");
      }
      decoded =
          deserializer.deserialize(
              topic, record.headers(), raw); // headers: a writer schema (docs/producing.md)
      if (decoded == null) {
        throw new InvalidInputException("value decoded to null");
      }
    } catch (RuntimeException e) {
      context.forward(
          dead(
              record,
              deadLetter(
                  record, e, e instanceof InvalidInputException ? STAGE_VALIDATE : STAGE_DECODE)));
      return;
    }
    R result;
    try {
      result = step.apply(record.key(), decoded, session);
    } catch (InvalidInputException e) {
      context.forward(dead(record, deadLetter(record, e, STAGE_VALIDATE)));
      return;
    } catch (RuntimeException e) {
      context.forward(dead(record, deadLetter(record, e, STAGE_FEATURIZE)));
      return;
    }
    long eventTime = timestamp.apply(result);
    long reference = Math.min(record.timestamp(), context.currentSystemTimeMs());
    if (eventTime - reference > rules.maxFutureSkew().toMillis()) {
      InvalidInputException e =
          new InvalidInputException(
              "event time "
                  + eventTime
                  + " is "
                  + (eventTime - reference)
                  + " ms ahead of the record's timestamp or the wall clock ("
                  + reference
                  + "); at most "
                  + rules.maxFutureSkew().toMillis()
                  + " ms is allowed");
      context.forward(dead(record, deadLetter(record, e, STAGE_VALIDATE)));
      return;
    }
    // the input's headers stay behind (a sample is built from the values alone); internal headers
    // name the
    // source record, so a dead letter written after the repartition by stream still names it
    org.apache.kafka.common.header.Headers source =
        context
            .recordMetadata()
            .map(md -> SourceHeaders.of(md.topic(), md.partition(), md.offset()))
            .orElseGet(RecordHeaders::new);
    MomentParts.carry(source, parts);
    context.forward(
        record.withValue(Outcome.ok(result)).withTimestamp(eventTime).withHeaders(source));
  }

  /**
   * The dead outcome, with headers naming the source record and the reason (the input's own headers
   * dropped), stamped with the wall clock ({@link DeadLetterHeaders#stamp}).
   */
  private FixedKeyRecord<String, Outcome<R>> dead(
      FixedKeyRecord<String, byte[]> record, DeadLetter letter) {
    return record
        .withValue(Outcome.<R>dead(letter))
        .withHeaders(DeadLetterHeaders.of(letter))
        .withTimestamp(DeadLetterHeaders.stamp(context));
  }

  /** The producer session header, validated, or null when absent. */
  private static String session(Headers headers) {
    int bytes = 0;
    for (Header h : headers) {
      bytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    if (bytes > MAX_HEADER_BYTES) {
      throw new InvalidInputException(
          "headers of " + bytes + " bytes (at most " + MAX_HEADER_BYTES + ")");
    }
    Header h = headers.lastHeader(SESSION_HEADER);
    if (h == null) return null;
    String s = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    if (s.isEmpty() || s.length() > MAX_SESSION_CHARS || !SESSION_CHARS.matcher(s).matches()) {
      throw new InvalidInputException(
          "bad "
              + SESSION_HEADER
              + " header '"
              + (s.length() > 80 ? s.substring(0, 80) + "..." : s)
              + "' (1 to "
              + MAX_SESSION_CHARS
              + " characters of A-Z a-z 0-9 . _ -)");
    }
    return s;
  }

  private DeadLetter deadLetter(FixedKeyRecord<String, byte[]> record, Exception e, String stage) {
    String originalTopic = topic;
    int partition = -1;
    long offset = -1;
    if (context.recordMetadata().isPresent()) {
      RecordMetadata md = context.recordMetadata().get();
      originalTopic = md.topic();
      partition = md.partition();
      offset = md.offset();
    }
    DeadLetter letter =
        DeadLetters.of(
            originalTopic,
            partition,
            offset,
            record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
            record.value(),
            e,
            stage);
    long cut = BoundedValueDeserializer.cutSize(record.headers());
    if (cut < 0) return letter;
    // the value was cut as it was read: the letter names its real size
    return DeadLetter.newBuilder(letter).setOriginalValueSize(cut).setValueTruncated(true).build();
  }
}
