package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.PairedSample;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void fromAConsumerRecordThatFailedToDecode() {
    byte[] key = "cam-9".getBytes(StandardCharsets.UTF_8);
    byte[] value = {0x7b, 0x22, 0x78, 0x22, 0x7d}; // {"x"} - JSON on an Avro topic
    ConsumerRecord<byte[], byte[]> rec = new ConsumerRecord<>("av.paired", 3, 1234L, key, value);
    AvroDecodeException error =
        org.junit.jupiter.api.Assertions.assertThrows(
            AvroDecodeException.class,
            () -> AvroSerde.of(PairedSample.class).deserialize(rec.topic(), rec.value()));
    long before = System.currentTimeMillis();
    DeadLetter d =
        DeadLetters.of(rec, new IllegalStateException("pairing failed", error), "pairing.decode");
    assertEquals("av.paired", d.getOriginalTopic());
    assertEquals(3, d.getPartition());
    assertEquals(1234L, d.getOffset());
    assertArrayEquals(key, DeadLetters.keyBytes(d));
    assertArrayEquals(value, DeadLetters.valueBytes(d));
    assertEquals("java.lang.IllegalStateException", d.getErrorClass());
    assertTrue(
        d.getErrorMessage()
            .startsWith(
                "java.lang.IllegalStateException: pairing failed; caused by "
                    + "io.streamalign.schemas.AvroDecodeException: not Avro single-object encoding"),
        d.getErrorMessage());
    assertEquals("pairing.decode", d.getStage());
    assertTrue(d.getFailedAtMs() >= before);

    // and it travels on the DLQ
    AvroSerde<DeadLetter> serde = AvroSerde.of(DeadLetter.class);
    assertEquals(d, serde.decode(serde.encode(d)));
  }

  @Test
  void nullKeyAndValueAndHugeMessages() {
    DeadLetter d =
        DeadLetters.of(
            "av.video", -1, -1L, null, null, new RuntimeException("x".repeat(100_000)), "ingest");
    assertNull(d.getKey());
    assertNull(d.getValue());
    assertEquals(DeadLetters.MAX_MESSAGE_CHARS, d.getErrorMessage().length());
    assertTrue(d.getErrorMessage().endsWith("..."));
    DeadLetter noMsg = DeadLetters.of("t", 0, 0, null, null, new NullPointerException(), "s");
    assertEquals("java.lang.NullPointerException", noMsg.getErrorMessage());
  }

  @Test
  void copiesTheBytes() {
    byte[] value = {1, 2, 3};
    DeadLetter d = DeadLetters.of("t", 0, 0, null, value, new RuntimeException(), "s");
    value[0] = 9;
    assertEquals(1, DeadLetters.valueBytes(d)[0]);
  }

  @Test
  void anOversizedRecordKeepsItsSizeAndABoundedPrefixSoTheLetterAlwaysFits() {
    byte[] key = new byte[100_000];
    byte[] value = new byte[10 * 1024 * 1024];
    new java.util.Random(7).nextBytes(value);
    java.util.Arrays.fill(key, (byte) 'k');
    DeadLetter d =
        DeadLetters.of(
            "av.video",
            0,
            5L,
            key,
            value,
            new RuntimeException("\u20ac".repeat(100_000)),
            "pairing.validate");
    assertEquals(10L * 1024 * 1024, d.getOriginalValueSize());
    assertTrue(d.getValueTruncated());
    assertArrayEquals(
        java.util.Arrays.copyOf(value, DeadLetters.MAX_VALUE_BYTES), DeadLetters.valueBytes(d));
    assertEquals(DeadLetters.MAX_KEY_BYTES, DeadLetters.keyBytes(d).length);
    assertEquals(DeadLetters.MAX_KEY_BYTES, DeadLetters.recordKey(key).length);
    int encoded = AvroSerde.of(DeadLetter.class).encode(d).length;
    assertTrue(encoded <= DeadLetters.MAX_ENCODED_BYTES, encoded + " bytes");
    assertTrue(
        DeadLetters.MAX_ENCODED_BYTES < 1024 * 1024, "fits Kafka's default max.request.size");

    DeadLetter small =
        DeadLetters.of("t", 0, 0, null, new byte[] {1, 2}, new RuntimeException(), "s");
    assertEquals(2L, small.getOriginalValueSize());
    assertTrue(!small.getValueTruncated());
    assertEquals(
        -1L,
        DeadLetters.of("t", 0, 0, null, null, new RuntimeException(), "s").getOriginalValueSize());
  }
}
