package io.streamalign.schemas;

import io.streamalign.schemas.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Builds {@link DeadLetter} records: the original bytes, where they came from and why they failed.
 *
 * <p>A dead letter is bounded whatever the record it explains: it keeps at most the first {@value
 * #MAX_VALUE_BYTES} bytes of the original value and {@value #MAX_KEY_BYTES} of the key (with the
 * original value's size and a truncation flag) and {@value #MAX_MESSAGE_CHARS} characters of
 * message, so its encoding never exceeds {@value #MAX_ENCODED_BYTES} bytes: a dead-letter write can
 * never fail on size, whatever the producer's {@code max.request.size} or the dead-letter topic's
 * {@code max.message.bytes} (both at least Kafka's default of 1 MiB; see {@link Topics}).
 */
public final class DeadLetters {
  /** Longest error message kept (characters); longer ones are cut and marked. */
  public static final int MAX_MESSAGE_CHARS = 8192;

  /** Longest prefix of the original value kept (bytes). */
  public static final int MAX_VALUE_BYTES = 64 * 1024;

  /**
   * Longest prefix of the original key kept (bytes); also the longest key a dead-letter record
   * gets.
   */
  public static final int MAX_KEY_BYTES = 4 * 1024;

  /**
   * Upper bound of an encoded dead letter (bytes): value and key prefixes, the message at 4 UTF-8
   * bytes per character at most, and 32 KiB for the topic name, error class, stage and numbers.
   */
  public static final int MAX_ENCODED_BYTES =
      MAX_VALUE_BYTES + MAX_KEY_BYTES + 4 * MAX_MESSAGE_CHARS + 32 * 1024;

  /** Longest topic name, error class or stage name kept (characters). */
  private static final int MAX_NAME_CHARS = 1024;

  private DeadLetters() {}

  /** A dead letter for a consumed record that failed in {@code stage}. */
  public static DeadLetter of(
      ConsumerRecord<byte[], byte[]> record, Throwable error, String stage) {
    Objects.requireNonNull(record, "record");
    return of(
        record.topic(),
        record.partition(),
        record.offset(),
        record.key(),
        record.value(),
        error,
        stage);
  }

  /**
   * A dead letter for raw bytes that failed in {@code stage}.
   *
   * @param partition the partition, or -1 if unknown
   * @param offset the offset, or -1 if unknown
   * @param key the original key bytes, or null
   * @param value the original value bytes, or null
   */
  public static DeadLetter of(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      Throwable error,
      String stage) {
    Objects.requireNonNull(error, "error");
    return of(
        topic, partition, offset, key, value, error.getClass().getName(), describe(error), stage);
  }

  /** A dead letter for a failure that is not an exception (e.g. a validation rule). */
  public static DeadLetter of(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      String errorClass,
      String errorMessage,
      String stage) {
    boolean truncated =
        (key != null && key.length > MAX_KEY_BYTES)
            || (value != null && value.length > MAX_VALUE_BYTES);
    return DeadLetter.newBuilder()
        .setOriginalTopic(cut(Objects.requireNonNull(topic, "topic"), MAX_NAME_CHARS))
        .setPartition(partition)
        .setOffset(offset)
        .setKey(prefix(key, MAX_KEY_BYTES))
        .setValue(prefix(value, MAX_VALUE_BYTES))
        .setErrorClass(cut(Objects.requireNonNull(errorClass, "errorClass"), MAX_NAME_CHARS))
        .setErrorMessage(truncate(errorMessage == null ? "" : errorMessage))
        .setStage(cut(Objects.requireNonNull(stage, "stage"), MAX_NAME_CHARS))
        .setFailedAtMs(System.currentTimeMillis())
        .setOriginalValueSize(value == null ? -1 : value.length)
        .setValueTruncated(truncated)
        .build();
  }

  /**
   * The key to write a dead letter under: the original key, or its first {@value #MAX_KEY_BYTES}
   * bytes (a dead-letter record's key is the original key, and a huge one must not make the write
   * fail).
   */
  public static byte[] recordKey(byte[] originalKey) {
    return originalKey == null || originalKey.length <= MAX_KEY_BYTES
        ? originalKey
        : Arrays.copyOf(originalKey, MAX_KEY_BYTES);
  }

  private static ByteBuffer prefix(byte[] b, int max) {
    return b == null ? null : ByteBuffer.wrap(Arrays.copyOf(b, Math.min(b.length, max)));
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
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

  /**
   * The original value bytes of a dead letter (only a prefix if {@code valueTruncated}), or null.
   */
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
