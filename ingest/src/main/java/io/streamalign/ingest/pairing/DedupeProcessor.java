package io.streamalign.ingest.pairing;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Forwards the first assembled sample of each sample id and drops later ones (duplicated input
 * records, a second text in the window, the left join's late "no text" result), remembering ids for
 * the configured retention in a changelogged window store.
 */
final class DedupeProcessor implements FixedKeyProcessor<String, Partial, Partial> {
  private final String storeName;
  private final long retentionMs;
  private FixedKeyProcessorContext<String, Partial> context;
  private WindowStore<String, Long> seen;

  DedupeProcessor(String storeName, long retentionMs) {
    this.storeName = storeName;
    this.retentionMs = retentionMs;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Partial> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, Partial> record) {
    String id = record.value().sampleId();
    long ts = record.timestamp();
    try (WindowStoreIterator<Long> it = seen.fetch(id, Math.max(0, ts - retentionMs), ts + retentionMs)) {
      if (it.hasNext()) {
        return;
      }
    }
    seen.put(id, ts, ts);
    context.forward(record);
  }
}
