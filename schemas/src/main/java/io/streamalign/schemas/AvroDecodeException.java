package io.streamalign.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Thrown when bytes cannot be decoded into an Avro record: wrong or missing single-object header, a
 * writer schema fingerprint that is not known, or a malformed or truncated body.
 *
 * <p>It extends Kafka's {@link SerializationException}, so a Kafka Streams deserialization
 * exception handler or a consumer loop sees it as the usual "poison pill" error and can route the
 * raw bytes to a dead-letter topic (see {@link DeadLetters}).
 */
public class AvroDecodeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  public AvroDecodeException(String message) {
    super(message);
  }

  public AvroDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
