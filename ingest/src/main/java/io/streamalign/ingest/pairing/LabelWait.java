package io.streamalign.ingest.pairing;

import io.streamalign.schemas.avro.LabelEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

/**
 * Holds each moment back only as long as its label may still come: the step before the label join (the
 * join itself looks the label up in the versioned label table at the moment's event time).
 *
 * <p>A moment whose event time is covered by a label already known ({@code startTimeMs <= t < endTimeMs})
 * is emitted at once. Any other moment waits, in a changelogged store ordered by time, until this
 * processor's stream time passes its event time + {@code labelGrace}, in case its label comes after it;
 * it then takes the label valid at its time, if any (README, "Pairing"). A moment already that far
 * behind when it arrives is joined at once. Time markers of the sample gate only move stream time on.
 * When no record at all comes for {@code labelGrace} plus Streams' {@code max.task.idle.ms} and a second,
 * the waiting moments are released by the wall clock, as the sample gate releases its held moments.
 *
 * <p>It replaces the grace period of the stream-table join, whose buffer held every moment for the grace
 * (written to a RocksDB store and its changelog) even when its label was there already: that wait was
 * most of the pairing latency, and the buffer a part of pairing's cost.
 */
final class LabelWait implements Processor<String, Partial, String, Partial> {

  private final String labelStore;
  private final String waitStore;
  private final long graceMs;
  private final long wallIdleMs;
  private ProcessorContext<String, Partial> context;
  private VersionedKeyValueStore<String, LabelEvent> labels;
  private KeyValueStore<String, Partial> waiting;
  private long streamTime = -1;
  private long wallAtLastRecord;

  LabelWait(String labelStore, String waitStore, Duration labelGrace) {
    this.labelStore = labelStore;
    this.waitStore = waitStore;
    this.graceMs = labelGrace.toMillis();
    this.wallIdleMs = graceMs + PairingApp.MAX_TASK_IDLE_MS + 1_000;
  }

  @Override
  public void init(ProcessorContext<String, Partial> context) {
    this.context = context;
    this.labels = context.getStateStore(labelStore);
    this.waiting = context.getStateStore(waitStore);
    this.wallAtLastRecord = context.currentSystemTimeMs();
    context.schedule(Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, this::releaseOnWallClock);
  }

  @Override
  public void process(Record<String, Partial> record) {
    wallAtLastRecord = context.currentSystemTimeMs();
    long ts = record.timestamp();
    streamTime = Math.max(streamTime, ts);
    Partial p = record.value();
    if (!p.isTimeMarker()) {
      LabelEvent label = labelAt(p.streamId(), ts);
      if (covers(label, ts) || ts + graceMs <= streamTime) {
        emit(p, ts);
      } else {
        waiting.put(waitKey(ts, p.sampleId()), p);
      }
    }
    release(streamTime);
  }

  /** Emits the waiting moments whose grace has passed at {@code time}, oldest first. */
  private void release(long time) {
    List<KeyValue<String, Partial>> due = new ArrayList<>();
    try (KeyValueIterator<String, Partial> it = waiting.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        if (timeOf(kv.key) + graceMs > time) break; // keys sort by time
        due.add(kv);
      }
    }
    for (KeyValue<String, Partial> kv : due) {
      waiting.delete(kv.key);
      long ts = timeOf(kv.key);
      emit(kv.value, ts);
    }
  }

  private void releaseOnWallClock(long wallNow) {
    if (wallNow - wallAtLastRecord < wallIdleMs) return;
    release(Long.MAX_VALUE - graceMs);
  }

  private LabelEvent labelAt(String streamId, long ts) {
    VersionedRecord<LabelEvent> r = labels.get(streamId, ts);
    return r == null ? null : r.value();
  }

  private static boolean covers(LabelEvent l, long ts) {
    return l != null && l.getStartTimeMs() <= ts && ts < l.getEndTimeMs();
  }

  private void emit(Partial p, long ts) {
    context.forward(new Record<>(p.streamId(), p, ts));
  }

  /** Store key ordered by time: zero-padded event time, then the sample id. */
  static String waitKey(long ts, String sampleId) {
    return String.format(Locale.ROOT, "%019d/%s", ts, sampleId);
  }

  private static long timeOf(String key) {
    return Long.parseLong(key.substring(0, 19));
  }
}
