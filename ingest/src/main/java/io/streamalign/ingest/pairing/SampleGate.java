package io.streamalign.ingest.pairing;

import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
 * chunk and caption is emitted at once; one missing a part is released once that part is not coming
 * any more, judged by the moment's own stream, never by other streams or by how far one input topic
 * runs behind another (README, "Pairing"; docs/producing.md, "Not too late"): a missing modality M
 * is not coming once the largest event time the stream has sent of M passes {@code eventTime +
 * hold} (the hold is twice the join window plus the grace), or, when the stream has sent no M for
 * the wall-clock idle bound (or none since this task first saw it, that long ago), once the
 * stream's own progress (its largest event time of any modality) does; a frame or chunk the stream
 * has sent before is given up that way only once this task's input of M (from any stream) has
 * passed the moment too, since a stream's M unseen for the bound while the M input as a whole is
 * behind is a lagging input (a slow fetch or decode of that topic), not a stopped one. By the wall
 * clock, a moment is released once it has been held for the wall-clock idle bound (the hold plus 3
 * s for a record already sent to reach the task, {@link PairingApp#WALL_SLACK_MS}: 7 s by default)
 * if neither its stream nor any other stream of the task has sent anything for as long (a paused
 * input, not a lagging one), and in any case once held {@value #MAX_HOLD_FACTOR} times that bound
 * (an input lagging that far behind the others). A frame and chunk are then emitted without text;
 * what is still incomplete is not silently forgotten: a lone frame or chunk becomes a
 * single-modality sample ({@code emitUnpaired}) or a dead letter "unpaired", and a lone caption a
 * dead letter "unused caption".
 *
 * <p>A part is late (dead letter {@value LateGate#STAGE_LATE}) when its event time + hold is behind
 * the largest event time its own stream has sent of its own modality: only a part out of order
 * within its own stream and modality by more than the hold; or one so far behind the newest event
 * time of its partition (any stream) that its id could not be remembered for the dedupe retention
 * (5 min by default), which would break exactly-once. A frame and chunk further apart than the join
 * window do not pair (the later one is dead-lettered), and a part arriving for a moment already
 * emitted is dead-lettered as late (the same record twice is a duplicate: a dead letter {@value
 * #STAGE_DUPLICATE} while its moment is held, counted in {@code duplicate-dropped-total} and logged
 * at most once per {@value LateGate#LOG_INTERVAL_MS} ms, never emitted twice). Every held part
 * keeps its source record, so each of these dead letters names it. Ids of emitted samples are
 * remembered for the dedupe retention.
 *
 * <p>The per-stream progress is kept in memory ({@link StreamClock}), rebuilt from the held moments
 * when the task starts (after a restart or a rebalance a stream not seen since counts as not having
 * sent a modality yet), and a stream with nothing held is forgotten once it has sent nothing for
 * the dedupe retention (wall clock).
 *
 * <p>When no record at all has come for the wall-clock idle bound, the punctuator also sends one
 * time marker per stream that emitted since its last marker, stamped past the label join's grace,
 * so that the label join (which waits for labels in stream time too, {@link LabelWait}) emits those
 * samples at once; markers never become samples.
 */
final class SampleGate implements Processor<String, Partial, String, Outcome<Partial>> {
  static final String STAGE_UNPAIRED = "pairing.unpaired";

  /** A second copy of a part of a moment still held (docs/producing.md, "seq: one per moment"). */
  static final String STAGE_DUPLICATE = "pairing.duplicate";

  private static final Logger LOG = LoggerFactory.getLogger(SampleGate.class);
  private static final int VIDEO = 0;
  private static final int AUDIO = 1;
  private static final int TEXT = 2;
  private static final String[] MODALITY = {"video", "audio", "text"};

  /**
   * How much a stream's event times must have moved on (summed over modalities) before its held
   * moments are looked at again.
   */
  private static final long SCAN_STEP_MS = 200;

  /** A moment is held at most this many times the wall-clock idle bound, however its inputs lag. */
  private static final int MAX_HOLD_FACTOR = 8;

  /** How often (wall clock) idle streams are looked for, to forget them. */
  private static final long EVICT_EVERY_MS = 60_000;

  /** What this task knows of one stream's progress (in memory only; see the class comment). */
  private static final class StreamClock {
    /** The largest event time sent of each modality (-1: none since this task started). */
    final long[] latest = {-1, -1, -1};

    /** The wall-clock time each modality was last sent. */
    final long[] wallSeen = new long[3];

    /**
     * The event times of the moments held, with how many have each: their smallest tells, without
     * reading the held moments, whether any can be due.
     */
    final java.util.TreeMap<Long, Integer> heldTimes = new java.util.TreeMap<>();

    /**
     * The moments held, by id (in the order of the store's keys): what a scan for the moments that
     * are due needs, without reading and decoding the held features.
     */
    final java.util.TreeMap<String, HeldAt> moments = new java.util.TreeMap<>();

    /** The sum of {@link #latest} when the held moments were last looked at. */
    long scannedAt = Long.MIN_VALUE / 2;

    long lastWall;

    /** The wall-clock time this task first saw the stream. */
    long firstWall;

    long progress() {
      return Math.max(latest[VIDEO], Math.max(latest[AUDIO], latest[TEXT]));
    }

    /** The smallest event time of the moments held, or Long.MAX_VALUE. */
    long minHeld() {
      return heldTimes.isEmpty() ? Long.MAX_VALUE : heldTimes.firstKey();
    }

    void addHeldTime(long t) {
      heldTimes.merge(t, 1, Integer::sum);
    }

    void removeHeldTime(long t) {
      heldTimes.computeIfPresent(t, (k, n) -> n > 1 ? n - 1 : null);
    }

    long sum() {
      return latest[VIDEO] + latest[AUDIO] + latest[TEXT];
    }

    void see(int m, long t, long wall) {
      if (t > latest[m]) latest[m] = t;
      wallSeen[m] = wall;
      lastWall = wall;
    }
  }

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
  private final InputActivity activity;
  private ProcessorContext<String, Outcome<Partial>> context;
  private WindowStore<String, Long> emitted;
  private KeyValueStore<String, Partial> pending;
  private long wallAtLastRecord;
  private long wallAtLastEviction;
  private long wallAtLastPunctuation;
  // how long a moment may be held, and how long no record may have come before time markers are
  // sent
  private final long wallIdleMs;
  // per stream, the latest timestamp emitted since its last time marker
  private final Map<String, Long> unflushed = new HashMap<>();
  // per stream, its progress by modality
  private final Map<String, StreamClock> clocks = new HashMap<>();
  // the largest event time this task has seen of each modality, from any stream (-1: none since it
  // started): whether an input as a whole has passed a moment, see notComing
  private final long[] taskLatest = {-1, -1, -1};
  // the moments held, by id, in the order they were first held (oldest first)
  private final LinkedHashMap<String, HeldAt> heldAt = new LinkedHashMap<>();

  /**
   * What is known of a held moment without reading it: its stream's clock, the wall-clock time it
   * was first held, its event time (counted in its stream's heldTimes) and the parts it has.
   */
  private record HeldAt(
      StreamClock clock,
      long sinceWallMs,
      long eventTimeMs,
      boolean video,
      boolean audio,
      boolean text) {}

  // the parts declared by the producers of held moments (MomentParts), by id; in memory only
  private final Map<String, Integer> declared = new HashMap<>();
  private long duplicates;
  private Sensor duplicatesSensor;
  private long lastLogMs;

  SampleGate(
      String emittedStore,
      String pendingStore,
      PairingConfig cfg,
      String videoTopic,
      String audioTopic,
      String textTopic,
      InputActivity activity) {
    this.activity = activity;
    this.emittedStore = emittedStore;
    this.pendingStore = pendingStore;
    this.windowMs = cfg.joinWindow().toMillis();
    this.holdMs = cfg.joinWindow().multipliedBy(2).plus(cfg.joinGrace()).toMillis();
    this.retentionMs = cfg.dedupeRetention().toMillis();
    this.labelGraceMs = cfg.labelGrace().toMillis();
    this.emitUnpaired = cfg.emitUnpaired();
    this.wallIdleMs = Math.max(holdMs, labelGraceMs) + PairingApp.WALL_SLACK_MS;
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
    long now = context.currentSystemTimeMs();
    wallAtLastRecord = now;
    wallAtLastEviction = now;
    wallAtLastPunctuation = now;
    // the progress of the streams with moments held, from those moments (the wall clock bound
    // starts now)
    try (KeyValueIterator<String, Partial> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<String, Partial> kv = it.next();
        Partial p = kv.value;
        StreamClock c = clock(p.streamId(), now);
        if (p.hasVideo()) c.see(VIDEO, p.eventTimeMs(), now);
        if (p.hasAudio()) c.see(AUDIO, p.eventTimeMs(), now);
        if (p.hasText()) c.see(TEXT, p.eventTimeMs(), now);
        for (int m = 0; m < 3; m++) taskLatest[m] = Math.max(taskLatest[m], c.latest[m]);
        hold(kv.key, p, c, now);
      }
    }
    context.schedule(
        Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, this::releaseOnWallClock);
  }

  /** The source of the record being processed (from {@link SourceHeaders}), or null. */
  private SourceHeaders.Source currentSource;

  @Override
  public void process(Record<String, Partial> record) {
    long now = context.currentSystemTimeMs();
    wallAtLastRecord = now;
    activity.saw(now);
    currentSource = SourceHeaders.read(record.headers()).orElse(null);
    // each held part keeps its source record, so that a dead letter written when it is released
    // names it
    Partial p = record.value().withSource(currentSource);
    String id = p.momentId();
    int m = p.hasVideo() ? VIDEO : p.hasAudio() ? AUDIO : TEXT;
    StreamClock c = clock(p.streamId(), now);
    long latest = c.latest[m];
    if (latest >= 0 && p.eventTimeMs() + holdMs < latest) {
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
              + (latest - p.eventTimeMs())
              + " ms behind its stream's "
              + MODALITY[m]
              + " at "
              + latest
              + ", more than the "
              + holdMs
              + " ms (twice the join window, plus the grace) a moment is held",
          currentSource);
      return;
    }
    // the id of a moment this far behind its partition's newest event time could not be remembered
    // (the
    // dedupe store keeps the ids of the last dedupeRetention only), so exactly-once would not hold
    // for it
    long newest = context.currentStreamTimeMs();
    if (p.eventTimeMs() + retentionMs <= newest) {
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
              + (newest - p.eventTimeMs())
              + " ms behind the newest event time of its partition, "
              + newest
              + ", not less than the "
              + retentionMs
              + " ms dedupe retention (its id could not be remembered to drop "
              + "a duplicate)",
          currentSource);
      return;
    }
    c.see(m, p.eventTimeMs(), now);
    taskLatest[m] = Math.max(taskLatest[m], p.eventTimeMs());
    accept(p, id, c, now, MomentParts.carried(record.headers()));
    if (!c.moments.isEmpty()
        && c.minHeld() + holdMs < c.progress()
        && c.sum() >= c.scannedAt + SCAN_STEP_MS) {
      releaseStream(c, now);
    }
  }

  private void accept(Partial p, String id, StreamClock c, long now, int parts) {
    if (wasEmitted(id, p.eventTimeMs())) {
      dead(
          p,
          LateGate.STAGE_LATE,
          "late or duplicate: "
              + part(p)
              + " of moment "
              + id
              + " arrived after the moment was emitted",
          currentSource);
      return;
    }
    Partial held = pending.get(id);
    if (held == null) {
      Partial first = p.asMoment();
      pending.put(id, first);
      hold(id, p, c, now);
      if (parts != 0) declared.merge(id, parts, (a, b) -> a | b);
      releaseIfDeclaredComplete(id, first);
      return;
    }
    if ((p.hasVideo() && held.hasVideo())
        || (p.hasAudio() && held.hasAudio())
        || (p.hasText() && held.hasText())) {
      duplicate(id);
      dead(
          p,
          STAGE_DUPLICATE,
          "duplicate: a second "
              + part(p)
              + " of moment "
              + id
              + " while its first is held "
              + "(the first is kept; one sample per moment)",
          currentSource);
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
            currentSource);
        return;
      }
    }
    if (parts != 0) declared.merge(id, parts, (a, b) -> a | b);
    Partial merged = held.merge(p);
    if (merged.hasVideo() && merged.hasAudio() && merged.hasText()) {
      pending.delete(id);
      unhold(id);
      emit(merged, merged.eventTimeMs());
    } else {
      pending.put(id, merged);
      hold(id, merged, c, now);
      releaseIfDeclaredComplete(id, merged);
    }
  }

  /**
   * Releases a held moment at once when it has every part its producer declared ({@link
   * MomentParts}): nothing more is coming, so neither the hold nor the wall clock is waited for.
   */
  private void releaseIfDeclaredComplete(String id, Partial p) {
    int want = declared.getOrDefault(id, 0);
    if (want == 0) return;
    int have =
        (p.hasVideo() ? MomentParts.VIDEO : 0)
            | (p.hasAudio() ? MomentParts.AUDIO : 0)
            | (p.hasText() ? MomentParts.TEXT : 0);
    if ((have & want) != want) return;
    release(id, p, "its producer declared its parts as " + MomentParts.format(want));
  }

  private StreamClock clock(String streamId, long now) {
    StreamClock c = clocks.get(streamId);
    if (c == null) {
      c = new StreamClock();
      c.lastWall = now;
      c.firstWall = now;
      clocks.put(streamId, c);
    }
    return c;
  }

  /**
   * Indexes held moment {@code id}, as now held ({@code p}), in its stream's clock; a moment held
   * already keeps the time it was first held and its place in the oldest-first order.
   */
  private void hold(String id, Partial p, StreamClock c, long now) {
    HeldAt before = heldAt.get(id);
    HeldAt at =
        new HeldAt(
            c,
            before == null ? now : before.sinceWallMs(),
            p.eventTimeMs(),
            p.hasVideo(),
            p.hasAudio(),
            p.hasText());
    heldAt.put(id, at);
    if (before != null) before.clock().removeHeldTime(before.eventTimeMs());
    c.addHeldTime(at.eventTimeMs());
    c.moments.put(id, at);
  }

  private void unhold(String id) {
    HeldAt at = heldAt.remove(id);
    if (at != null) {
      at.clock().removeHeldTime(at.eventTimeMs());
      at.clock().moments.remove(id);
    }
    declared.remove(id);
  }

  /** Releases the held moments of one stream whose missing parts are not coming any more. */
  private void releaseStream(StreamClock c, long now) {
    c.scannedAt = c.sum();
    List<String> due = new ArrayList<>();
    for (Map.Entry<String, HeldAt> e : c.moments.entrySet()) {
      HeldAt at = e.getValue();
      if (notComing(at.eventTimeMs(), new boolean[] {at.video(), at.audio(), at.text()}, c, now))
        due.add(e.getKey());
    }
    for (String id : due) {
      Partial p = pending.get(id);
      if (p == null) { // not expected: the index follows the store
        unhold(id);
        continue;
      }
      release(id, p, "its stream's " + missing(p) + " moved past " + (p.eventTimeMs() + holdMs));
    }
  }

  /** Whether every part the moment misses is not coming any more (see the class comment). */
  private boolean notComing(long eventTimeMs, boolean[] has, StreamClock c, long now) {
    long deadline = eventTimeMs + holdMs;
    for (int m = 0; m < 3; m++) {
      if (has[m]) continue;
      // a modality never sent may still be on its way for the idle bound after the stream was first
      // seen
      boolean sending =
          c.latest[m] >= 0
              ? now - c.wallSeen[m] < wallIdleMs
                  // a frame or chunk its stream has sent before, but not lately, is given up only
                  // once this task's input of that modality has passed the moment: until then it
                  // may be an input running behind (a slow fetch or decode of that topic on a
                  // loaded machine), not a stopped one; the wall-clock bounds still release it
                  || (m != TEXT && taskLatest[m] <= deadline)
              : now - c.firstWall < wallIdleMs;
      long progress = sending ? c.latest[m] : c.progress();
      if (progress <= deadline) return false;
    }
    return true;
  }

  /**
   * Whether the moment's stream has sent nothing at all for the wall-clock idle bound (a paused
   * stream). A stream still sending one modality is not paused: a modality of it running seconds
   * behind another (a slower fetch on a loaded machine) is waited for, up to {@value
   * #MAX_HOLD_FACTOR} times the bound; one it has stopped sending is given up by its event times
   * ({@link #notComing}).
   */
  private boolean silent(StreamClock c, long now) {
    // and the whole task has had no record for as long: while records still come (a backlog of this
    // stream's other modality being read, even behind other streams' records) a silent stream is a
    // lagging input, not a paused one (a 10,000-record fuzz run lost a moment whose chunk came 7 s
    // after its frame at the end of its stream); and so is a task whose partitions wait behind
    // another task's
    // backlog while the application is still busy (InputActivity)
    return (c == null || now - c.lastWall >= wallIdleMs)
        && now - wallAtLastRecord >= wallIdleMs
        && activity.silentFor(wallIdleMs, now);
  }

  private static String missing(Partial p) {
    List<String> m = new ArrayList<>(3);
    if (!p.hasVideo()) m.add("video");
    if (!p.hasAudio()) m.add("audio");
    if (!p.hasText()) m.add("text");
    return String.join(" and ", m);
  }

  /**
   * A punctuation this much later than the one before (they are scheduled every 500 ms) means the
   * task did not run meanwhile (a starved or blocked stream thread): records for it may be waiting
   * in its buffers, or in a repartition topic whose transaction this same thread commits after the
   * punctuation. Silence is not judged across such a gap.
   */
  static final long STALL_MS = 2_000;

  private void releaseOnWallClock(long wallNow) {
    boolean stalled = wallNow - wallAtLastPunctuation > STALL_MS;
    wallAtLastPunctuation = wallNow;
    if (stalled) {
      // what this task could not see during the gap counts as if a record had just come: a moment
      // is released by the wall clock only after the bound of observed silence (a 4,000-record fuzz
      // run on a loaded machine lost a stream's last moment whose frame was still in the video
      // repartition topic when the chunk and caption were released)
      wallAtLastRecord = Math.max(wallAtLastRecord, wallNow);
      return;
    }
    // the moments held for the wall-clock idle bound whose missing parts' inputs have been silent
    // as long (a
    // paused input), and any held for MAX_HOLD_FACTOR times the bound (an input lagging that far),
    // oldest first
    List<String> due = new ArrayList<>();
    for (Map.Entry<String, HeldAt> e : heldAt.entrySet()) {
      long age = wallNow - e.getValue().sinceWallMs();
      if (age < wallIdleMs) break;
      Partial p = pending.get(e.getKey());
      if (p == null
          || age >= MAX_HOLD_FACTOR * wallIdleMs
          || silent(clocks.get(p.streamId()), wallNow)) {
        due.add(e.getKey());
      }
    }
    for (String id : due) {
      Partial p = pending.get(id);
      if (p == null) {
        unhold(id);
        continue;
      }
      long age = wallNow - heldAt.get(id).sinceWallMs();
      release(
          id,
          p,
          age >= MAX_HOLD_FACTOR * wallIdleMs
              ? "it was held " + age + " ms (wall clock)"
              : "its stream sent nothing for " + wallIdleMs + " ms (wall clock)");
    }
    // only when no record at all has come for a while: a partner still in transit (a slow fetch,
    // Streams waiting for another partition's records to be fetched) must not be taken for a pause
    if (wallNow - wallAtLastRecord >= wallIdleMs && !unflushed.isEmpty()) {
      for (Map.Entry<String, Long> e : unflushed.entrySet()) {
        long t = e.getValue() + labelGraceMs + 1;
        context.forward(new Record<>(e.getKey(), Outcome.ok(Partial.timeMarker(e.getKey(), t)), t));
      }
      unflushed.clear();
    }
    if (wallNow - wallAtLastEviction >= EVICT_EVERY_MS) {
      wallAtLastEviction = wallNow;
      clocks.values().removeIf(c -> c.moments.isEmpty() && wallNow - c.lastWall > retentionMs);
    }
  }

  /**
   * Emits (or explains) one held moment: {@code why} says why its missing parts are not waited for
   * any longer.
   */
  private void release(String id, Partial p, String why) {
    pending.delete(id);
    unhold(id);
    if (wasEmitted(id, p.eventTimeMs())) {
      // not expected (a part of an emitted moment is refused on arrival), but never dropped
      // silently
      for (Partial part :
          new Partial[] {
            p.hasVideo() ? p.videoPart() : null,
            p.hasAudio() ? p.audioPart() : null,
            p.hasText() ? p.textPart() : null
          }) {
        if (part == null) continue;
        dead(
            part,
            LateGate.STAGE_LATE,
            "late or duplicate: "
                + part(part)
                + " of moment "
                + id
                + " was still held when its moment had been emitted",
            part.hasVideo() ? p.videoSource() : part.hasAudio() ? p.audioSource() : p.textSource());
      }
      return;
    }
    if (p.hasVideo() && p.hasAudio()) {
      emit(p, p.eventTimeMs());
    } else if ((p.hasVideo() || p.hasAudio()) && emitUnpaired) {
      emit(p.hasText() ? p.withoutText() : p, p.eventTimeMs());
      if (p.hasText())
        dead(
            p.textPart(),
            STAGE_UNPAIRED,
            "unused caption: moment "
                + id
                + " has only a "
                + (p.hasVideo() ? "frame" : "chunk")
                + ", a caption needs both",
            p.textSource());
    } else if (p.hasVideo() || p.hasAudio()) {
      // one dead letter per part refused, each naming its own source record
      Partial lone = p.hasVideo() ? p.videoPart() : p.audioPart();
      dead(
          lone,
          STAGE_UNPAIRED,
          "unpaired: "
              + (p.hasVideo() ? "frame" : "audio chunk")
              + " of moment "
              + id
              + " got no "
              + (p.hasVideo() ? "audio chunk" : "frame")
              + " within the "
              + holdMs
              + " ms hold (twice the join window, plus the grace): "
              + why
              + "; pair --emit-unpaired would emit it alone",
          p.hasVideo() ? p.videoSource() : p.audioSource());
      if (p.hasText())
        dead(
            p.textPart(),
            STAGE_UNPAIRED,
            "unused caption: moment "
                + id
                + " has only a "
                + (p.hasVideo() ? "frame" : "chunk")
                + ", a caption needs both",
            p.textSource());
    } else {
      dead(
          p,
          STAGE_UNPAIRED,
          "unused caption: no frame and audio chunk of moment "
              + id
              + " came within the "
              + holdMs
              + " ms hold: "
              + why,
          p.textSource());
    }
  }

  private static String part(Partial p) {
    return p.hasVideo() && p.hasAudio()
        ? "moment"
        : p.hasVideo() ? "frame" : p.hasAudio() ? "audio chunk" : "caption";
  }

  /**
   * A dead letter for one part of a moment; it is written to the dead-letter topic of the part's
   * input (the frame's, else the chunk's, else the caption's). The original bytes are not kept past
   * featurization, so the letter names the moment instead; the partition and offset are those of
   * {@code source}, the part's source record (kept with the held part, or named by the decoding
   * step's headers for the record being processed), or -1 when unknown (state written by an older
   * version). Like every dead letter, it is stamped with the wall clock, not the part's event time
   * ({@link DeadLetterHeaders#stamp}).
   */
  private void dead(Partial p, String stage, String reason, SourceHeaders.Source source) {
    String topic = p.hasVideo() ? videoTopic : p.hasAudio() ? audioTopic : textTopic;
    int partition = -1;
    long offset = -1;
    if (source != null && source.topic().equals(topic)) {
      partition = source.partition();
      offset = source.offset();
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
            DeadLetterHeaders.stamp(context),
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
