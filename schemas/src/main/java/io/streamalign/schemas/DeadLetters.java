package io.streamalign.schemas;

import io.streamalign.schemas.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Builds {@link DeadLetter} records: the original bytes, where they came from and why they failed.
 */
public final class DeadLetters {
  /** Longest error message kept (characters); longer ones are cut and marked. */
  public static final int MAX_MESSAGE_CHARS = 8192;

  private DeadLetters() {}

  /** A dead letter for a consumed record that failed in {@code stage}. */
  public static DeadLetter of(ConsumerRecord<byte[], byte[]> record, Throwable error, String stage) {
    Objects.requireNonNull(record, "record");
    return of(record.topic(), record.partition(), record.offset(), record.key(), record.value(), error, stage);
  }

  /**
   * A dead letter for raw bytes that failed in {@code stage}.
   *
   * @param partition the partition, or -1 if unknown
   * @param offset the offset, or -1 if unknown
   * @param key the original key bytes, or null
   * @param value the original value bytes, or null
   */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, Throwable error,
      String stage) {
    Objects.requireNonNull(error, "error");
    return of(topic, partition, offset, key, value, error.getClass().getName(), describe(error), stage);
  }

  /** A dead letter for a failure that is not an exception (e.g. a validation rule). */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, String errorClass,
      String errorMessage, String stage) {
    return DeadLetter.newBuilder()
        .setOriginalTopic(Objects.requireNonNull(topic, "topic"))
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key.clone()))
        .setValue(value == null ? null : ByteBuffer.wrap(value.clone()))
        .setErrorClass(Objects.requireNonNull(errorClass, "errorClass"))
        .setErrorMessage(truncate(errorMessage == null ? "" : errorMessage))
        .setStage(Objects.requireNonNull(stage, "stage"))
        .setFailedAtMs(System.currentTimeMillis())
        .build();
  }

  /** "Class: message; caused by Class: message; ..." for an error and its causes. */
  public static String describe(Throwable error) {
    StringBuilder sb = new StringBuilder();
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append("; caused by ");
      }
      sb.append(t.getClass().getName());
      if (t.getMessage() != null) {
        sb.append(": ").append(t.getMessage());
      }
      if (sb.length() > MAX_MESSAGE_CHARS) {
        break;
      }
    }
    return truncate(sb.toString());
  }

  private static String truncate(String s) {
    return s.length() <= MAX_MESSAGE_CHARS ? s : s.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
  }

  /** The original value bytes of a dead letter, or null. */
  public static byte[] valueBytes(DeadLetter letter) {
    return bytes(letter.getValue());
  }

  /** The original key bytes of a dead letter, or null. */
  public static byte[] keyBytes(DeadLetter letter) {
    return bytes(letter.getKey());
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
