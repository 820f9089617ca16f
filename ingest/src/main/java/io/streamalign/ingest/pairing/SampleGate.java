package io.streamalign.ingest.pairing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Attaches each moment's caption and emits each assembled sample once.
 *
 * <p>It receives pairs (and, with unpaired emission, lone frames or chunks) and captions. A pair whose
 * caption (same moment id: stream, seq and session) is here is emitted at once with it; so is a held pair
 * when its caption arrives. A pair without caption is held (in a changelogged store) until stream time
 * passes {@code eventTime + hold} (the window and grace, so that its caption could still come) and is
 * then emitted without text; a caption is kept as long. Ids of emitted samples are remembered for the
 * dedupe retention, so duplicated input records never emit twice. A caption whose moment never pairs is
 * not used (docs/producing.md); such captions are logged, at most once per {@value LateGate#LOG_INTERVAL_MS} ms.
 *
 * <p>When input pauses, stream time stops, and so would the release. A wall-clock punctuator therefore
 * extends stream time by the wall-clock time passed since it last advanced: a held sample is released
 * once its hold has passed by the wall clock after the pause (README, "Pairing"). Once input has paused for
 * the label grace, it also sends one time marker per stream that emitted since its last marker, stamped
 * past the label join's grace, so that the label join (which waits for labels in stream time too) emits
 * those samples at once; markers never become samples.
 */
final class SampleGate implements Processor<String, Partial, String, Partial> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SampleGate.class);
  private final String emittedStore;
  private final String pendingStore;
  private final String captionStore;
  private final long holdMs;
  private final long retentionMs;
  private final long labelGraceMs;
  private ProcessorContext<String, Partial> context;
  // the largest stream time seen and the wall-clock time it was first seen (not persisted: after a
  // restart the wall-clock release only starts once stream time has been observed again)
  private long lastStreamTime = -1;
  private long wallAtLastAdvance;
  // per stream, the latest timestamp emitted since its last time marker
  private final Map<String, Long> unflushed = new HashMap<>();
  private WindowStore<String, Long> emitted;
  private KeyValueStore<String, Partial> pending;
  private KeyValueStore<String, Partial> captions;
  private long unusedCaptions;
  private long lastLogMs;

  SampleGate(String emittedStore, String pendingStore, String captionStore, Duration hold, Duration retention,
      Duration labelGrace) {
    this.captionStore = captionStore;
    this.labelGraceMs = labelGrace.toMillis();
    this.emittedStore = emittedStore;
    this.pendingStore = pendingStore;
    this.holdMs = hold.toMillis();
    this.retentionMs = retention.toMillis();
  }

  @Override
  public void init(ProcessorContext<String, Partial> context) {
    this.context = context;
    this.emitted = context.getStateStore(emittedStore);
    this.pending = context.getStateStore(pendingStore);
    this.captions = context.getStateStore(captionStore);
    context.schedule(Duration.ofMillis(200), PunctuationType.STREAM_TIME, t -> release(t));
    context.schedule(Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, this::releaseOnWallClock);
  }

  private void observe(long streamTime) {
    if (streamTime > lastStreamTime) {
      lastStreamTime = streamTime;
      wallAtLastAdvance = context.currentSystemTimeMs();
    }
  }

  private void releaseOnWallClock(long wallNow) {
    observe(context.currentStreamTimeMs());
    if (lastStreamTime < 0) return;
    long idle = wallNow - wallAtLastAdvance;
    if (idle <= 0) return;
    release(lastStreamTime + idle);
    if (idle >= Math.max(labelGraceMs, 500) && !unflushed.isEmpty()) {
      for (Map.Entry<String, Long> e : unflushed.entrySet()) {
        long t = e.getValue() + labelGraceMs + 1;
        context.forward(new Record<>(e.getKey(), Partial.timeMarker(e.getKey(), t), t));
      }
      unflushed.clear();
    }
  }

  @Override
  public void process(Record<String, Partial> record) {
    observe(context.currentStreamTimeMs());
    Partial p = record.value();
    if (p.video() == null && p.audio() == null) {
      caption(p, record.timestamp());
      return;
    }
    String id = p.sampleId();
    if (wasEmitted(id, record.timestamp())) return;
    Partial caption = captions.get(id);
    if (caption != null) {
      emit(p.withText(caption), record.timestamp());
      pending.delete(id);
      captions.delete(id);
    } else if (pending.get(id) == null) {
      pending.put(id, p);
    }
  }

  private void caption(Partial t, long ts) {
    String id = t.momentId();
    Partial held = pending.get(id);
    if (held != null) {
      pending.delete(id);
      if (!wasEmitted(id, ts)) emit(held.withText(t), Math.max(ts, held.eventTimeMs()));
    } else if (wasEmitted(id, ts)) {
      unusedCaptions++; // its moment was already emitted without it
    } else if (captions.get(id) == null) {
      captions.put(id, t);
    }
  }

  /** Emits the held samples whose hold has passed at {@code streamTime}; returns them. */
  private List<Partial> release(long streamTime) {
    observe(Math.min(streamTime, context.currentStreamTimeMs()));
    List<Partial> released = new ArrayList<>();
    List<KeyValue<String, Partial>> due = new ArrayList<>();
    try (KeyValueIterator<String, Partial> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        if (kv.value.eventTimeMs() + holdMs < streamTime) due.add(kv);
      }
    }
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Partial> it = captions.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        if (kv.value.eventTimeMs() + holdMs < streamTime) expired.add(kv.key);
      }
    }
    for (String id : expired) {
      captions.delete(id);
      unusedCaptions++;
    }
    if (unusedCaptions > 0 && context.currentSystemTimeMs() - lastLogMs >= LateGate.LOG_INTERVAL_MS) {
      LOG.info("{} caption(s) not used: no frame and audio chunk of their moment paired (e.g. {})", unusedCaptions,
          expired.isEmpty() ? "-" : expired.get(0));
      lastLogMs = context.currentSystemTimeMs();
      unusedCaptions = 0;
    }
    for (KeyValue<String, Partial> kv : due) {
      pending.delete(kv.key);
      if (!wasEmitted(kv.key, kv.value.eventTimeMs())) {
        emit(kv.value, kv.value.eventTimeMs());
        released.add(kv.value);
      }
    }
    return released;
  }

  private boolean wasEmitted(String id, long ts) {
    try (WindowStoreIterator<Long> it = emitted.fetch(id, Math.max(0, ts - retentionMs), ts + retentionMs)) {
      return it.hasNext();
    }
  }

  private void emit(Partial p, long ts) {
    emitted.put(p.sampleId(), ts, ts);
    unflushed.merge(p.streamId(), ts, Math::max);
    context.forward(new Record<>(p.streamId(), p, ts));
  }
}
