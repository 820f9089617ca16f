package io.streamalign.ingest.pairing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Emits each assembled sample once, preferring the version with its moment's caption.
 *
 * <p>The text left join yields, per pair, the version with its own caption (if that caption comes), a
 * version without text for every other caption in the window, and a "no text at all" version when the
 * window closes. A version with text is emitted at once; a version without text is held (in a
 * changelogged store) until stream time passes {@code eventTime + hold} (the window and grace, so that
 * its caption could still come) and is emitted then unless the captioned version was. Ids of emitted
 * samples are remembered for the dedupe retention, so duplicated input records never emit twice.
 */
final class SampleGate implements Processor<String, Partial, String, Partial> {
  private final String emittedStore;
  private final String pendingStore;
  private final long holdMs;
  private final long retentionMs;
  private ProcessorContext<String, Partial> context;
  private WindowStore<String, Long> emitted;
  private KeyValueStore<String, Partial> pending;

  SampleGate(String emittedStore, String pendingStore, Duration hold, Duration retention) {
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
    context.schedule(Duration.ofMillis(200), PunctuationType.STREAM_TIME, this::release);
  }

  @Override
  public void process(Record<String, Partial> record) {
    Partial p = record.value();
    String id = p.sampleId();
    if (wasEmitted(id, record.timestamp())) return;
    if (p.hasText()) {
      emit(p, record.timestamp());
      pending.delete(id);
    } else if (due(p, context.currentStreamTimeMs())) {
      // Already past its hold (stream time jumped ahead, e.g. a punctuation ran before the text join
      // released this sample): its caption can no longer come, so waiting for the next punctuation,
      // which needs stream time to move on again, would only delay it.
      pending.delete(id);
      emit(p, p.eventTimeMs());
    } else if (pending.get(id) == null) {
      pending.put(id, p);
    }
  }

  private void release(long streamTime) {
    List<KeyValue<String, Partial>> due = new ArrayList<>();
    try (KeyValueIterator<String, Partial> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        if (due(kv.value, streamTime)) due.add(kv);
      }
    }
    for (KeyValue<String, Partial> kv : due) {
      pending.delete(kv.key);
      if (!wasEmitted(kv.key, kv.value.eventTimeMs())) emit(kv.value, kv.value.eventTimeMs());
    }
  }

  private boolean due(Partial p, long streamTime) {
    return p.eventTimeMs() + holdMs < streamTime;
  }

  private boolean wasEmitted(String id, long ts) {
    try (WindowStoreIterator<Long> it = emitted.fetch(id, Math.max(0, ts - retentionMs), ts + retentionMs)) {
      return it.hasNext();
    }
  }

  private void emit(Partial p, long ts) {
    emitted.put(p.sampleId(), ts, ts);
    context.forward(new Record<>(p.streamId(), p, ts));
  }
}
