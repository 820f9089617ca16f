package io.streamalign.ingest.pairing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The value deserializer of pairing's main consumer: a value larger than the input limit is cut, as
 * it is read, to its first {@value #KEPT_BYTES} bytes, and its size is named in the header {@value
 * #HEADER}; any other value is read whole.
 *
 * <p>Compression lets a value far larger than the topics' 8 MiB limit through the broker (a 10 MiB
 * frame of a repeating pattern is a few KB on the wire), and a fetched value takes its uncompressed
 * size in memory for as long as Kafka Streams buffers the record. Cut here, a backlog of such
 * values costs a few KB per record, so pairing can buffer as many records as Streams' defaults
 * allow (its throughput needs that: with 32 records per partition and per poll it paired 5-7 times
 * slower). The decoding step dead-letters a cut value as oversized, with its size ({@link
 * DecodeProcessor}). A header of that name sent by a producer is removed, so the header is only
 * ever this reader's.
 */
final class BoundedValueDeserializer implements Deserializer<byte[]> {

  /** Header naming the size (decimal, bytes) of a value cut as it was read. */
  static final String HEADER = "streamalign.oversized-value-bytes";

  /** Bytes of a cut value kept (the start of what a dead letter shows). */
  static final int KEPT_BYTES = 4 * 1024;

  private final int maxBytes;

  BoundedValueDeserializer(int maxBytes) {
    if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be >= 1: " + maxBytes);
    this.maxBytes = maxBytes;
  }

  @Override
  public byte[] deserialize(String topic, byte[] data) {
    return data; // without headers there is nowhere to name a cut: read whole (not used by Kafka)
  }

  @Override
  public byte[] deserialize(String topic, Headers headers, byte[] data) {
    headers.remove(HEADER);
    if (data == null || data.length <= maxBytes) return data;
    headers.add(HEADER, Integer.toString(data.length).getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(data, KEPT_BYTES);
  }

  @Override
  public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
    headers.remove(HEADER);
    if (data == null) return null;
    int size = data.remaining();
    byte[] out = new byte[size <= maxBytes ? size : KEPT_BYTES];
    data.duplicate().get(out);
    if (size > maxBytes)
      headers.add(HEADER, Integer.toString(size).getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /** The size named by {@link #HEADER}, or -1 when the value was read whole. */
  static long cutSize(Headers headers) {
    var h = headers.lastHeader(HEADER);
    if (h == null || h.value() == null) return -1;
    try {
      return Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
