package io.streamalign.ingest.pairing;

import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The timestamp extractor of pairing's input topics: the record's Kafka timestamp, unless it is
 * invalid (negative) or more than the allowed skew ahead of the wall clock; then the partition's
 * current time (or the wall clock if the partition has none yet). Streams' stream time follows the
 * extracted timestamps, so one record stamped far in the future can never advance it and make every
 * later record look late; the record itself is then judged on its event time by the decode step
 * (and dead-lettered if that is in the future too).
 */
final class GuardedTimestampExtractor implements TimestampExtractor {
  private final long maxSkewMs;
  private final LongSupplier wallClock;

  GuardedTimestampExtractor(long maxSkewMs, LongSupplier wallClock) {
    this.maxSkewMs = maxSkewMs;
    this.wallClock = wallClock;
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long ts = record.timestamp();
    long now = wallClock.getAsLong();
    if (ts >= 0 && ts <= now + maxSkewMs) return ts;
    return partitionTime >= 0 ? Math.min(partitionTime, now) : now;
  }
}
