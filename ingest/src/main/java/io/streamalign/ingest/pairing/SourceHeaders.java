package io.streamalign.ingest.pairing;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Where a decoded input record came from (topic, partition, offset), carried in internal record
 * headers through the repartition by stream, so that a dead letter written after it (late,
 * duplicate) still names the source record (docs/producing.md, "What happens to each violation").
 * Only the topology's internal topics carry these headers: the decoding step drops every input
 * header, and the samples, predictions and dead letters the topology writes are built with headers
 * of their own.
 */
final class SourceHeaders {

  static final String TOPIC = "streamalign.source.topic";
  static final String PARTITION = "streamalign.source.partition";
  static final String OFFSET = "streamalign.source.offset";

  /** A source record's coordinates. */
  record Source(String topic, int partition, long offset) {}

  private SourceHeaders() {}

  /** Headers naming the source record. */
  static Headers of(String topic, int partition, long offset) {
    RecordHeaders h = new RecordHeaders();
    h.add(TOPIC, topic.getBytes(StandardCharsets.UTF_8));
    h.add(PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
    h.add(OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
    return h;
  }

  /** The source record named by {@code headers}, if they name one. */
  static Optional<Source> read(Headers headers) {
    if (headers == null) return Optional.empty();
    Header t = headers.lastHeader(TOPIC);
    Header p = headers.lastHeader(PARTITION);
    Header o = headers.lastHeader(OFFSET);
    if (t == null
        || p == null
        || o == null
        || t.value() == null
        || p.value() == null
        || o.value() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Source(
              new String(t.value(), StandardCharsets.UTF_8),
              Integer.parseInt(new String(p.value(), StandardCharsets.UTF_8)),
              Long.parseLong(new String(o.value(), StandardCharsets.UTF_8))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
