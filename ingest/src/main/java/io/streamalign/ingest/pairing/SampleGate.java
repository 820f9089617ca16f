package io.streamalign.ingest.pairing;

import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles each moment from its frame, audio chunk and caption (matched by moment id: stream, seq
 * and producer session) and emits it once, or explains why not.
 *
 * <p>The parts of a moment are held (in a changelogged store) as they arrive. A moment with frame,
 * chunk and caption is emitted at once; one with frame and chunk is emitted without text once
 * stream time passes {@code eventTime + hold} (the join window and grace, so that its caption could
 * still come). What is still incomplete then is not silently forgotten: a lone frame or chunk
 * becomes a single-modality sample ({@code emitUnpaired}) or a dead letter "unpaired", and a lone
 * caption a dead letter "unused caption". A frame and chunk further apart than the join window do
 * not pair (the later one is dead-lettered), and a part arriving for a moment already emitted is
 * dead-lettered as late (the same record twice is a duplicate: logged, at most once per {@value
 * LateGate#LOG_INTERVAL_MS} ms, never emitted twice). Ids of emitted samples are remembered for the
 * dedupe retention.
 *
 * <p>When input pauses, stream time stops, and so would the release. A wall-clock punctuator
 * therefore extends stream time by the wall-clock time passed since the last record, once no record
 * has come for the hold plus Streams' {@code max.task.idle.ms} and a second (7 s by default): the
 * held moments are then released as if stream time had moved on (README, "Pairing"). It also sends
 * one time marker per stream that emitted since its last marker, stamped past the label join's
 * grace, so that the label join (which waits for labels in stream time too) emits those samples at
 * once; markers never become samples.
 */
final class SampleGate implements Processor<String, Partial, String, Outcome<Partial>> {
  static final String STAGE_UNPAIRED = "pairing.unpaired";
  private static final Logger LOG = LoggerFactory.getLogger(SampleGate.class);

  private final String emittedStore;
  private final String pendingStore;
  private final long holdMs;
  private final long retentionMs;
  private final long windowMs;
  private final long labelGraceMs;
  private final boolean emitUnpaired;
  private final String videoTopic;
  private final String audioTopic;
  private final String textTopic;
  private ProcessorContext<String, Outcome<Partial>> context;
  private WindowStore<String, Long> emitted;
  private KeyValueStore<String, Partial> pending;
  // the largest stream time seen and the wall-clock time it was first seen (not persisted: after a
  // restart the wall-clock release only starts once stream time has been observed again)
  private long lastStreamTime = -1;
  private long wallAtLastAdvance;
  private long wallAtLastRecord;
  // how long no record may have come before the wall clock stands in for stream time
  private final long wallIdleMs;
  // per stream, the latest timestamp emitted since its last time marker
  private final Map<String, Long> unflushed = new HashMap<>();
  private long duplicates;
  private Sensor duplicatesSensor;
  private long lastLogMs;

  SampleGate(
      String emittedStore,
      String pendingStore,
      PairingConfig cfg,
      String videoTopic,
      String audioTopic,
      String textTopic) {
    this.emittedStore = emittedStore;
    this.pendingStore = pendingStore;
    this.windowMs = cfg.joinWindow().toMillis();
    this.holdMs = cfg.joinWindow().multipliedBy(2).plus(cfg.joinGrace()).toMillis();
    this.retentionMs = cfg.dedupeRetention().toMillis();
    this.labelGraceMs = cfg.labelGrace().toMillis();
    this.emitUnpaired = cfg.emitUnpaired();
    this.wallIdleMs = Math.max(holdMs, labelGraceMs) + PairingApp.MAX_TASK_IDLE_MS + 1_000;
    this.videoTopic = videoTopic;
    this.audioTopic = audioTopic;
    this.textTopic = textTopic;
  }

  @Override
  public void init(ProcessorContext<String, Outcome<Partial>> context) {
    this.context = context;
    this.emitted = context.getStateStore(emittedStore);
    this.pending = context.getStateStore(pendingStore);
    this.duplicatesSensor =
        context
            .metrics()
            .addRateTotalSensor(
                PairingTopology.METRICS_SCOPE,
                "sample-gate",
                PairingTopology.DUPLICATES_METRIC,
                Sensor.RecordingLevel.INFO);
    context.schedule(Duration.ofMillis(200), PunctuationType.STREAM_TIME, t -> release(t));
    context.schedule(
        Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, this::releaseOnWallClock);
  }

  /** The source of the record being processed (from {@link SourceHeaders}), or null. */
  private SourceHeaders.Source currentSource;

  @Override
  public void process(Record<String, Partial> record) {
    observe(context.currentStreamTimeMs());
    wallAtLastRecord = context.currentSystemTimeMs();
    currentSource = SourceHeaders.read(record.headers()).orElse(null);
    Partial p = record.value();
    String id = p.momentId();
    long streamTime = context.currentStreamTimeMs();
    if (p.eventTimeMs() + holdMs < streamTime) {
      dead(
          p,
          LateGate.STAGE_LATE,
          "late: event time "
              + p.eventTimeMs()
              + " of "
              + part(p)
              + " "
              + id
              + " is "
              + (streamTime - p.eventTimeMs())
              + " ms behind stream time "
              + streamTime
              + ", more than the "
              + holdMs
              + " ms (twice the join window, plus the grace) a moment is held",
          true);
      return;
    }
    if (wasEmitted(id, p.eventTimeMs())) {
      dead(
          p,
          LateGate.STAGE_LATE,
          "late or duplicate: "
              + part(p)
              + " of moment "
              + id
              + " arrived after the moment was emitted",
          true);
      return;
    }
    Partial held = pending.get(id);
    if (held == null) {
      pending.put(id, p.asMoment());
      return;
    }
    if ((p.hasVideo() && held.hasVideo())
        || (p.hasAudio() && held.hasAudio())
        || (p.hasText() && held.hasText())) {
      duplicate(id);
      return;
    }
    if (p.hasVideo() != p.hasAudio() && (held.hasVideo() || held.hasAudio())) {
      long other = held.eventTimeMs();
      if (Math.abs(p.eventTimeMs() - other) > windowMs) {
        dead(
            p,
            STAGE_UNPAIRED,
            "unpaired: "
                + part(p)
                + " of moment "
                + id
                + " is "
                + Math.abs(p.eventTimeMs() - other)
                + " ms from its partner, more than the "
                + windowMs
                + " ms join window",
            true);
        return;
      }
    }
    Partial merged = held.merge(p);
    if (merged.hasVideo() && merged.hasAudio() && merged.hasText()) {
      pending.delete(id);
      emit(merged, merged.eventTimeMs());
    } else {
      pending.put(id, merged);
    }
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
    // only when no record at all has come for a while: a partner still in transit (a slow fetch,
    // Streams
    // waiting max.task.idle.ms for another partition) must not be taken for a pause
    long idle = wallNow - Math.max(wallAtLastAdvance, wallAtLastRecord);
    if (idle < wallIdleMs) return;
    release(lastStreamTime + idle);
    if (!unflushed.isEmpty()) {
      for (Map.Entry<String, Long> e : unflushed.entrySet()) {
        long t = e.getValue() + labelGraceMs + 1;
        context.forward(new Record<>(e.getKey(), Outcome.ok(Partial.timeMarker(e.getKey(), t)), t));
      }
      unflushed.clear();
    }
  }

  /** Emits (or explains) the held moments whose hold has passed at {@code streamTime}. */
  private void release(long streamTime) {
    observe(Math.min(streamTime, context.currentStreamTimeMs()));
    List<KeyValue<String, Partial>> due = new ArrayList<>();
    try (KeyValueIterator<String, Partial> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        if (due(kv.value, streamTime)) due.add(kv);
      }
    }
    for (KeyValue<String, Partial> kv : due) {
      pending.delete(kv.key);
      Partial p = kv.value;
      if (wasEmitted(kv.key, p.eventTimeMs())) continue;
      if (p.hasVideo() && p.hasAudio()) {
        emit(p, p.eventTimeMs());
      } else if ((p.hasVideo() || p.hasAudio()) && emitUnpaired) {
        emit(
            p.hasText()
                ? new Partial(
                    p.streamId(),
                    p.seq(),
                    p.session(),
                    p.eventTimeMs(),
                    kv.key,
                    p.video(),
                    p.audio(),
                    null,
                    null)
                : p,
            p.eventTimeMs());
        if (p.hasText())
          dead(
              new Partial(
                  p.streamId(),
                  p.seq(),
                  p.session(),
                  p.eventTimeMs(),
                  kv.key,
                  null,
                  null,
                  p.text(),
                  p.caption()),
              STAGE_UNPAIRED,
              "unused caption: moment "
                  + kv.key
                  + " has only a "
                  + (p.hasVideo() ? "frame" : "chunk")
                  + ", a caption needs both",
              false);
      } else if (p.hasVideo() || p.hasAudio()) {
        dead(
            p,
            STAGE_UNPAIRED,
            "unpaired: "
                + (p.hasVideo() ? "frame" : "audio chunk")
                + " of moment "
                + kv.key
                + " got no "
                + (p.hasVideo() ? "audio chunk" : "frame")
                + " within "
                + holdMs
                + " ms (the join window and grace); pair --emit-unpaired would emit it alone",
            false);
      } else {
        dead(
            p,
            STAGE_UNPAIRED,
            "unused caption: no frame and audio chunk of moment "
                + kv.key
                + " came within "
                + holdMs
                + " ms",
            false);
      }
    }
  }

  private static String part(Partial p) {
    return p.hasVideo() && p.hasAudio()
        ? "moment"
        : p.hasVideo() ? "frame" : p.hasAudio() ? "audio chunk" : "caption";
  }

  /**
   * A dead letter for (the parts of) a moment; it is written to the dead-letter topic of the first
   * part's input (the frame's, else the chunk's, else the caption's). The original bytes are not
   * kept past featurization, so the letter names the moment instead; the partition and offset are
   * the source record's when the letter is about the record being processed, else -1.
   */
  private void dead(Partial p, String stage, String reason, boolean currentRecord) {
    String topic = p.hasVideo() ? videoTopic : p.hasAudio() ? audioTopic : textTopic;
    int partition = -1;
    long offset = -1;
    if (currentRecord && currentSource != null && currentSource.topic().equals(topic)) {
      // the source record, named by the decoding step's headers (the record here came through a
      // repartition)
      partition = currentSource.partition();
      offset = currentSource.offset();
    } else if (currentRecord && context.recordMetadata().isPresent()) {
      RecordMetadata md = context.recordMetadata().get();
      if (md.topic().equals(topic)) {
        partition = md.partition();
        offset = md.offset();
      }
    }
    DeadLetter letter =
        DeadLetters.of(
            topic,
            partition,
            offset,
            p.streamId().getBytes(StandardCharsets.UTF_8),
            null,
            InvalidInputException.class.getName(),
            reason,
            stage);
    context.forward(
        new Record<>(
            p.streamId(),
            Outcome.<Partial>dead(letter),
            p.eventTimeMs(),
            DeadLetterHeaders.of(letter)));
  }

  private void duplicate(String id) {
    duplicatesSensor.record();
    duplicates++;
    long now = context.currentSystemTimeMs();
    if (now - lastLogMs >= LateGate.LOG_INTERVAL_MS) {
      LOG.info(
          "{} duplicate record(s) dropped (exact duplicates of a part already held; e.g. moment {})",
          duplicates,
          id);
      lastLogMs = now;
      duplicates = 0;
    }
  }

  private boolean due(Partial p, long streamTime) {
    return p.eventTimeMs() + holdMs < streamTime;
  }

  private boolean wasEmitted(String id, long ts) {
    try (WindowStoreIterator<Long> it =
        emitted.fetch(id, Math.max(0, ts - retentionMs), ts + retentionMs)) {
      return it.hasNext();
    }
  }

  private void emit(Partial p, long ts) {
    emitted.put(p.sampleId(), ts, ts);
    unflushed.merge(p.streamId(), ts, Math::max);
    context.forward(new Record<>(p.streamId(), Outcome.ok(p), ts));
  }
}
