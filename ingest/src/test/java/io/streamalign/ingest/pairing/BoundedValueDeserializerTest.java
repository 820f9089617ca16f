package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class BoundedValueDeserializerTest {
  private final BoundedValueDeserializer reader = new BoundedValueDeserializer(1000);

  @Test
  void aValueOverTheLimitIsCutAsItIsReadAndItsSizeNamed() {
    byte[] big = new byte[10_000];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i % 251);
    RecordHeaders h = new RecordHeaders();
    byte[] out = reader.deserialize("av.video", h, ByteBuffer.wrap(big));
    assertArrayEquals(Arrays.copyOf(big, BoundedValueDeserializer.KEPT_BYTES), out);
    assertEquals(10_000, BoundedValueDeserializer.cutSize(h));
    RecordHeaders h2 = new RecordHeaders();
    assertArrayEquals(
        Arrays.copyOf(big, BoundedValueDeserializer.KEPT_BYTES),
        reader.deserialize("av.video", h2, big));
    assertEquals(10_000, BoundedValueDeserializer.cutSize(h2));
  }

  @Test
  void aValueWithinTheLimitIsReadWholeFromItsPositionAndAForgedHeaderIsRemoved() {
    byte[] bytes = new byte[1500];
    Arrays.fill(bytes, (byte) 7);
    ByteBuffer b = ByteBuffer.wrap(bytes, 500, 1000); // exactly the limit, not from 0
    RecordHeaders h = new RecordHeaders();
    h.add(BoundedValueDeserializer.HEADER, "99999999".getBytes(StandardCharsets.UTF_8));
    byte[] out = reader.deserialize("av.video", h, b);
    assertEquals(1000, out.length);
    assertEquals(500, b.position(), "the buffer is not consumed");
    assertEquals(-1, BoundedValueDeserializer.cutSize(h), "a producer's header is not trusted");
    assertNull(reader.deserialize("av.video", new RecordHeaders(), (ByteBuffer) null));
  }
}
