package io.streamalign.ingest.pairing;

import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.PairedSample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
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
 * The label join: holds each moment back only as long as its label may still come, then looks the
 * label up in the versioned label table at the moment's event time and emits the paired sample.
 *
 * <p>A moment is emitted at once when a label covers its event time t and is final: a label of its
 * stream that starts at or after t has been received (labels of a stream come in the order of their
 * start times), so no label yet to come can be the one valid at t. A label that covers t ({@code
 * startTimeMs <= t < endTimeMs}) but started before it is not enough: a producer labelling each
 * moment as it sends it may send the moment's own label just after its parts (it reaches pairing on
 * another partition, maybe in a later transaction), and that label, not the one before it, labels
 * the moment. Any other moment waits, in a changelogged store ordered by time, until its label is
 * final (looked at on every record and every {@value #SETTLED_CHECK_MS} ms) or until its own
 * stream's time (the largest event time of that stream's moments and time markers here, not the
 * partition's: streams whose clocks differ share partitions, docs/producing.md "Not too late")
 * passes its event time + {@code labelGrace}, in case its label comes after it; it then takes the
 * label valid at its time, if any (README, "Pairing"). A moment already that far behind its stream
 * when it arrives is joined at once. Time markers of the sample gate only move their stream's time
 * on. The stream times are kept in memory and rebuilt from the waiting moments when the task
 * starts. When no record at all comes for {@code labelGrace} plus 3 s ({@link
 * PairingApp#WALL_SLACK_MS}), the waiting moments are released by the wall clock, as the sample
 * gate releases its held moments, and likewise never across a stall of the task (a punctuation more
 * than {@link SampleGate#STALL_MS} after the one before: silence it could not observe is not
 * silence).
 *
 * <p>It replaces Streams' stream-table join, first its grace period, whose buffer held every moment
 * for the grace (written to a RocksDB store and its changelog) even when its label was there
 * already, then the join itself: the table is a store of this task, so the lookup needs no
 * repartition topic of its own, which had cost every sample one more exactly-once hop (a
 * transaction commit and a fetch) on its way to {@code av.paired}.
 */
final class LabelWait implements Processor<String, Partial, String, PairedSample> {

  /** How often (wall clock) the waiting moments are looked at for a label received since. */
  static final long SETTLED_CHECK_MS = 50;

  /** How many streams' times are kept at most while nothing waits. */
  private static final int MAX_STREAMS = 10_000;

  private final String labelStore;
  private final String waitStore;
  private final long graceMs;
  private final long wallIdleMs;
  private final InputActivity activity;
  private final BiFunction<Partial, LabelEvent, PairedSample> join;
  private ProcessorContext<String, PairedSample> context;
  private VersionedKeyValueStore<String, LabelEvent> labels;
  private KeyValueStore<String, Partial> waiting;
  // per stream, the largest event time seen here (streams with nothing waiting are dropped at
  // release)
  private final java.util.Map<String, Long> streamTimes = new java.util.HashMap<>();
  // per stream, the keys of its waiting moments (time-ordered, as in the store); rebuilt at start
  private final java.util.Map<String, java.util.TreeSet<String>> waitingByStream =
      new java.util.HashMap<>();
  // the largest of them
  private long maxTime = -1;
  private long wallAtLastRecord;
  private long wallAtLastPunctuation;

  /**
   * @param join the sample of a moment and the label valid at its event time (null if none)
   */
  LabelWait(
      String labelStore,
      String waitStore,
      Duration labelGrace,
      InputActivity activity,
      BiFunction<Partial, LabelEvent, PairedSample> join) {
    this.activity = activity;
    this.join = join;
    this.labelStore = labelStore;
    this.waitStore = waitStore;
    this.graceMs = labelGrace.toMillis();
    this.wallIdleMs = graceMs + PairingApp.WALL_SLACK_MS;
  }

  @Override
  public void init(ProcessorContext<String, PairedSample> context) {
    this.context = context;
    this.labels = context.getStateStore(labelStore);
    this.waiting = context.getStateStore(waitStore);
    this.wallAtLastRecord = context.currentSystemTimeMs();
    this.wallAtLastPunctuation = wallAtLastRecord;
    try (KeyValueIterator<String, Partial> it = waiting.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        advance(kv.value.streamId(), timeOf(kv.key));
        index(kv.value.streamId(), kv.key);
      }
    }
    context.schedule(
        Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, this::releaseOnWallClock);
    // a label arriving after its moment is noticed within this period even if no moment follows
    context.schedule(
        Duration.ofMillis(SETTLED_CHECK_MS),
        PunctuationType.WALL_CLOCK_TIME,
        t -> releaseSettled());
  }

  @Override
  public void process(Record<String, Partial> record) {
    wallAtLastRecord = context.currentSystemTimeMs();
    long ts = record.timestamp();
    Partial p = record.value();
    long streamTime = advance(p.streamId(), ts);
    if (!p.isTimeMarker()) {
      LabelEvent label = labelAt(p.streamId(), ts);
      if ((covers(label, ts) && settled(p.streamId(), ts)) || ts + graceMs <= streamTime) {
        emit(p, label, ts);
      } else {
        String key = waitKey(ts, p.sampleId());
        waiting.put(key, p);
        index(p.streamId(), key);
      }
    }
    releaseSettled(p.streamId());
    release(false);
  }

  /**
   * Whether a label of the stream starting at or after {@code ts} has been received: then the label
   * valid at {@code ts}, if it covers {@code ts}, is final (no label still to come overrides it,
   * unless a stream's labels reach pairing out of the order of their start times, which a producer
   * spreading one stream's labels over partitions can cause: a moment whose own label is missing
   * then waits for it, see {@link #releaseSettled(String)}). A label that covers {@code ts} but
   * started before it is not enough: a producer that labels each moment as it sends it (its frame,
   * chunk and caption first, then the label) may still send one that starts at {@code ts}.
   */
  private boolean settled(String streamId, long ts) {
    VersionedRecord<LabelEvent> latest = labels.get(streamId);
    return latest != null && latest.timestamp() >= ts;
  }

  /** Emits the waiting moments whose label is final (see {@link #settled}), of every stream. */
  private void releaseSettled() {
    for (String streamId : List.copyOf(waitingByStream.keySet())) releaseSettled(streamId);
  }

  /**
   * Emits the waiting moments of one stream that a label covers and no label still to come can
   * override ({@link #settled}), oldest first; one not covered (its label missing, or late) waits
   * on for the grace.
   */
  private void releaseSettled(String streamId) {
    java.util.TreeSet<String> keys = waitingByStream.get(streamId);
    if (keys == null) return;
    VersionedRecord<LabelEvent> latest = labels.get(streamId);
    if (latest == null) return;
    // keys sort by time: those up to the latest label's start
    for (String key : List.copyOf(keys.headSet(waitKey(latest.timestamp(), "\uffff"), true))) {
      long ts = timeOf(key);
      LabelEvent label = labelAt(streamId, ts);
      if (!covers(label, ts)) continue;
      Partial p = waiting.get(key);
      unindex(streamId, key);
      waiting.delete(key);
      if (p != null) emit(p, label, ts);
    }
  }

  private void index(String streamId, String key) {
    waitingByStream.computeIfAbsent(streamId, k -> new java.util.TreeSet<>()).add(key);
  }

  private void unindex(String streamId, String key) {
    java.util.TreeSet<String> keys = waitingByStream.get(streamId);
    if (keys == null) return;
    keys.remove(key);
    if (keys.isEmpty()) waitingByStream.remove(streamId);
  }

  private long advance(String streamId, long ts) {
    maxTime = Math.max(maxTime, ts);
    return streamTimes.merge(streamId, ts, Math::max);
  }

  /**
   * Emits the waiting moments whose grace has passed in their stream's time (or all, {@code all}),
   * oldest first.
   */
  private void release(boolean all) {
    List<KeyValue<String, Partial>> due = new ArrayList<>();
    boolean anyLeft = false;
    try (KeyValueIterator<String, Partial> it = waiting.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        long t = timeOf(kv.key);
        if (!all && t + graceMs > maxTime) { // keys sort by time: no stream is past the rest
          anyLeft = true;
          break;
        }
        Long own = streamTimes.get(kv.value.streamId());
        if (all || (own != null && t + graceMs <= own)) {
          due.add(kv);
        } else {
          anyLeft = true;
        }
      }
    }
    // bounded: once more than MAX_STREAMS streams are known and nothing waits, forget them all (a
    // stream's
    // moments then wait for its next moments or the wall clock once, never less than the grace)
    if (!anyLeft && streamTimes.size() > MAX_STREAMS) streamTimes.clear();
    for (KeyValue<String, Partial> kv : due) {
      waiting.delete(kv.key);
      unindex(kv.value.streamId(), kv.key);
      long ts = timeOf(kv.key);
      emit(kv.value, labelAt(kv.value.streamId(), ts), ts);
    }
  }

  private void releaseOnWallClock(long wallNow) {
    // as the sample gate's (SampleGate.STALL_MS): a punctuation much later than the one before
    // means
    // this task did not run meanwhile, and a label may be waiting in its buffers or its repartition
    // topic; what it could not see counts as if a record had just come, so a moment is released
    // without its label only after silence this task has observed for the whole bound
    boolean stalled = wallNow - wallAtLastPunctuation > SampleGate.STALL_MS;
    wallAtLastPunctuation = wallNow;
    if (stalled) {
      wallAtLastRecord = Math.max(wallAtLastRecord, wallNow);
      return;
    }
    if (wallNow - wallAtLastRecord < wallIdleMs) return;
    // nor while the application still processes input elsewhere: the label may wait behind it
    if (!activity.silentFor(wallIdleMs, wallNow)) return;
    release(true);
  }

  private LabelEvent labelAt(String streamId, long ts) {
    VersionedRecord<LabelEvent> r = labels.get(streamId, ts);
    return r == null ? null : r.value();
  }

  private static boolean covers(LabelEvent l, long ts) {
    return l != null && l.getStartTimeMs() <= ts && ts < l.getEndTimeMs();
  }

  private void emit(Partial p, LabelEvent label, long ts) {
    context.forward(new Record<>(p.streamId(), join.apply(p, label), ts));
  }

  /** Store key ordered by time: zero-padded event time, then the sample id. */
  static String waitKey(long ts, String sampleId) {
    return String.format(Locale.ROOT, "%019d/%s", ts, sampleId);
  }

  private static long timeOf(String key) {
    return Long.parseLong(key.substring(0, 19));
  }
}
