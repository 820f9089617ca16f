package io.streamalign.ingest.pairing;

import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the records a windowed operator would drop as late into dead letters (stage {@value
 * #STAGE_LATE}), so that no late record is lost silently.
 *
 * <p>It sits right before the operator and applies the operator's own rule: a record is late when
 * its timestamp plus {@code allowedLatenessMs} (the join window and grace, or the label history) is
 * behind the largest timestamp seen so far by the gates of the same {@code clock} (the gates of the
 * two sides of a join share one, kept in a small store). A record that is not late advances the
 * clock and passes unchanged. Late records are also logged, at most once per {@value
 * #LOG_INTERVAL_MS} ms per gate with the number since the last line.
 */
final class LateGate<V> implements FixedKeyProcessor<String, V, Outcome<V>> {
  static final String STAGE_LATE = "pairing.late";
  static final long LOG_INTERVAL_MS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(LateGate.class);

  private final String storeName;
  private final String topic;
  private final String clock;
  private final String[] readClocks;
  private final long allowedLatenessMs;
  private FixedKeyProcessorContext<String, Outcome<V>> context;
  private KeyValueStore<String, Long> times;
  private long lastLogMs;
  private long unlogged;

  /**
   * @param clock the clock this gate advances
   * @param readClocks the clocks whose maximum the operator's stream time can reach (including
   *     {@code clock})
   */
  LateGate(
      String storeName, String topic, String clock, String[] readClocks, long allowedLatenessMs) {
    this.storeName = storeName;
    this.topic = topic;
    this.clock = clock;
    this.readClocks = readClocks;
    this.allowedLatenessMs = allowedLatenessMs;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Outcome<V>> context) {
    this.context = context;
    this.times = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, V> record) {
    long ts = record.timestamp();
    long streamTime = -1;
    for (String c : readClocks) {
      Long t = times.get(c);
      if (t != null) streamTime = Math.max(streamTime, t);
    }
    if (streamTime >= 0 && ts + allowedLatenessMs < streamTime) {
      DeadLetter letter = deadLetter(record, ts, streamTime);
      context.forward(
          record.withValue(Outcome.<V>dead(letter)).withHeaders(DeadLetterHeaders.of(letter)));
      logBounded(ts, streamTime);
      return;
    }
    Long own = times.get(clock);
    if (own == null || ts > own) times.put(clock, ts);
    context.forward(record.withValue(Outcome.ok(record.value())));
  }

  private DeadLetter deadLetter(FixedKeyRecord<String, V> record, long ts, long streamTime) {
    String from = topic;
    int partition = -1;
    long offset = -1;
    // the record came through the repartition by stream: the decoding step's headers name its
    // source record
    java.util.Optional<SourceHeaders.Source> source = SourceHeaders.read(record.headers());
    if (source.isPresent()) {
      partition = source.get().partition();
      offset = source.get().offset();
      from = source.get().topic();
    } else if (context.recordMetadata().isPresent()
        && context.recordMetadata().get().topic().equals(topic)) {
      RecordMetadata md = context.recordMetadata().get();
      partition = md.partition();
      offset = md.offset();
    }
    String reason =
        "late: event time "
            + ts
            + " is "
            + (streamTime - ts)
            + " ms behind stream time "
            + streamTime
            + ", more than the "
            + allowedLatenessMs
            + " ms the "
            + (clock.equals("labels") ? "label history" : "join window and grace")
            + " allow";
    return DeadLetters.of(
        from,
        partition,
        offset,
        record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
        null,
        InvalidInputException.class.getName(),
        reason,
        STAGE_LATE);
  }

  private void logBounded(long ts, long streamTime) {
    unlogged++;
    long now = context.currentSystemTimeMs();
    if (now - lastLogMs >= LOG_INTERVAL_MS) {
      LOG.warn(
          "{} late record(s) on {} dead-lettered (latest: event time {} is {} ms behind stream time {})",
          unlogged,
          topic,
          ts,
          streamTime - ts,
          streamTime);
      lastLogMs = now;
      unlogged = 0;
    }
  }
}
