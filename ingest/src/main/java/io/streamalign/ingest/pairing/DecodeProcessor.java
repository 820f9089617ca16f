package io.streamalign.ingest.pairing;

import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes the raw bytes of one input topic, validates and featurizes the record, and forwards either
 * the result or a {@link DeadLetter} (the {@link Outcome}); the record timestamp becomes the value's
 * event time. Nothing thrown here escapes: every failure becomes a dead letter.
 *
 * <p>Before decoding, a value larger than {@link InputRules#maxValueBytes()} is rejected; after the
 * topic's own checks, an event time more than {@link InputRules#maxFutureSkew()} ahead of the record's
 * Kafka timestamp or of the wall clock (whichever is earlier) is rejected, so it never reaches the
 * windowed joins and never moves their stream time.
 */
final class DecodeProcessor<T, R> implements FixedKeyProcessor<String, byte[], Outcome<R>> {

  static final String STAGE_DECODE = "pairing.decode";
  static final String STAGE_VALIDATE = "pairing.validate";
  static final String STAGE_FEATURIZE = "pairing.featurize";

  /** Validates and converts a decoded record; throws {@link InvalidInputException} or a feature error. */
  interface Step<T, R> {
    R apply(String key, T value);
  }

  private final String topic;
  private final Deserializer<T> deserializer;
  private final Step<T, R> step;
  private final Function<R, Long> timestamp;
  private final InputRules rules;
  private FixedKeyProcessorContext<String, Outcome<R>> context;

  DecodeProcessor(String topic, Deserializer<T> deserializer, Step<T, R> step, Function<R, Long> timestamp,
      InputRules rules) {
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
    byte[] raw = record.value();
    T decoded;
    try {
      if (raw == null) {
        throw new InvalidInputException("null value (tombstone) is not a valid " + topic + " record");
      }
      if (raw.length > rules.maxValueBytes()) {
        throw new InvalidInputException("oversized value: " + raw.length + " bytes, more than the "
            + rules.maxValueBytes() + " an input record may have");
      }
      decoded = deserializer.deserialize(topic, raw);
      if (decoded == null) {
        throw new InvalidInputException("value decoded to null");
      }
    } catch (RuntimeException e) {
      context.forward(record.withValue(Outcome.dead(deadLetter(record, e,
          e instanceof InvalidInputException ? STAGE_VALIDATE : STAGE_DECODE))));
      return;
    }
    R result;
    try {
      result = step.apply(record.key(), decoded);
    } catch (InvalidInputException e) {
      context.forward(record.withValue(Outcome.dead(deadLetter(record, e, STAGE_VALIDATE))));
      return;
    } catch (RuntimeException e) {
      context.forward(record.withValue(Outcome.dead(deadLetter(record, e, STAGE_FEATURIZE))));
      return;
    }
    long eventTime = timestamp.apply(result);
    long reference = Math.min(record.timestamp(), context.currentSystemTimeMs());
    if (eventTime - reference > rules.maxFutureSkew().toMillis()) {
      InvalidInputException e = new InvalidInputException("event time " + eventTime + " is "
          + (eventTime - reference) + " ms ahead of the record's timestamp or the wall clock (" + reference
          + "); at most " + rules.maxFutureSkew().toMillis() + " ms is allowed");
      context.forward(record.withValue(Outcome.dead(deadLetter(record, e, STAGE_VALIDATE))));
      return;
    }
    context.forward(record.withValue(Outcome.ok(result)).withTimestamp(eventTime));
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
    return DeadLetters.of(originalTopic, partition, offset,
        record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value(), e, stage);
  }
}
