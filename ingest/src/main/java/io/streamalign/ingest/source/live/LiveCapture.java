package io.streamalign.ingest.source.live;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.Moment;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what a live client (a browser tab's camera and microphone) captures as ordinary raw
 * records, through an {@link AvSink} (an {@link AvProducer} for Kafka, the producer of {@code
 * streamalign ingest}).
 *
 * <p>The client opens a session ({@link #open()}) and gets a stream id of its own; then, for each
 * moment, it sends one gray frame, the PCM16 audio captured since its previous moment, optionally a
 * caption and the class it is teaching. For each accepted moment this publishes, in the order of
 * every source of the ingest module (label, caption, frame, chunk), records that carry the <em>same
 * seq</em> (0, 1, 2, ... per stream) and the <em>same event time</em>, so pairing joins them like
 * any producer's:
 *
 * <ul>
 *   <li>a {@link VideoFrame} ({@code RAW8}, 1 channel, as sent);
 *   <li>an {@link AudioChunk}: the last {@link LiveLimits#chunkMs()} of the stream's audio, ending
 *       at the moment (none while no audio has arrived yet);
 *   <li>a {@link TextSegment} when a caption is given;
 *   <li>a {@link LabelEvent} {@code [t, t + 1)} of the class when one is held: exactly this moment,
 *       so the next moment is unlabeled again unless the class is still held.
 * </ul>
 *
 * Event time is the server's clock when the moment arrives (never the client's), strictly
 * increasing per stream. The server enforces {@link LiveLimits}: frame size, rate (a token bucket
 * of {@code maxFps} moments per second, burst 2), audio no faster than real time (a token bucket of
 * samples), caption length, the number of sessions. A refused moment throws {@link
 * LiveCaptureException} and publishes nothing.
 *
 * <p>The last {@link LiveLimits#recentMs()} of each stream are kept ({@link #recent}) so that a
 * class can be enrolled from what was just captured. Thread-safe.
 */
public final class LiveCapture {
  private static final Logger LOG = LoggerFactory.getLogger(LiveCapture.class);

  /** Longest class name of a held label, as for enrollment. */
  public static final int MAX_CLASS_CHARS = 200;

  /**
   * What a client sends for one moment. {@code audio} may be empty, {@code text} and {@code label}
   * null.
   */
  public record Input(
      int width,
      int height,
      byte[] gray,
      int sampleRate,
      short[] audio,
      String text,
      String label) {}

  /** One kept moment of a stream: its frame and the chunk published with it (or null). */
  public record Captured(
      long seq,
      long eventTimeMs,
      int width,
      int height,
      byte[] gray,
      short[] chunk,
      int sampleRate,
      String label) {}

  /** Counters of one stream. */
  public record StreamStats(
      String streamId,
      long moments,
      long labeled,
      long audioSamples,
      long refused,
      long sendFailures,
      long lastEventTimeMs) {}

  private final AvSink sink;
  private final LiveLimits limits;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final AtomicLong sendFailures = new AtomicLong();

  public LiveCapture(AvSink sink, LiveLimits limits) {
    this(sink, limits, System::currentTimeMillis);
  }

  /** With an explicit clock (tests). */
  public LiveCapture(AvSink sink, LiveLimits limits, LongSupplier clock) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public LiveLimits limits() {
    return limits;
  }

  /**
   * Opens a capture session with a new stream id ({@code live-} and 12 random hex digits).
   *
   * @throws LiveCaptureException {@code BUSY} when {@code maxStreams} sessions are open and active
   */
  public synchronized String open() {
    long now = clock.getAsLong();
    sessions.values().removeIf(s -> now - s.lastActivityMs >= limits.idleTimeoutMs());
    if (sessions.size() >= limits.maxStreams()) {
      throw new LiveCaptureException(
          LiveCaptureException.Kind.BUSY,
          "all "
              + limits.maxStreams()
              + " capture sessions are in use; one is freed after "
              + limits.idleTimeoutMs() / 1000
              + " s without moments");
    }
    byte[] id = new byte[6];
    String streamId;
    do {
      random.nextBytes(id);
      streamId = "live-" + HexFormat.of().formatHex(id);
    } while (sessions.containsKey(streamId));
    sessions.put(streamId, new Session(streamId, now));
    LOG.info("live capture: opened stream {}", streamId);
    return streamId;
  }

  /** Closes a session (its stream id is refused afterwards); false if it was not open. */
  public synchronized boolean close(String streamId) {
    return sessions.remove(streamId) != null;
  }

  /** Number of open sessions. */
  public synchronized int openStreams() {
    return sessions.size();
  }

  /**
   * Validates and publishes one moment of {@code streamId}.
   *
   * @return the published moment (its records, with the seq and event time given)
   * @throws LiveCaptureException when the stream is unknown or the moment breaks a limit (nothing
   *     is published)
   */
  public Moment publish(String streamId, Input in) {
    Session s = session(streamId);
    synchronized (s) {
      try {
        return s.publish(in);
      } catch (LiveCaptureException e) {
        s.refused++;
        throw e;
      }
    }
  }

  /**
   * The moments of {@code streamId} captured in the last {@code ms} milliseconds (oldest first).
   */
  public List<Captured> recent(String streamId, long ms) {
    Session s = session(streamId);
    synchronized (s) {
      long from = s.lastEventTimeMs - ms;
      List<Captured> out = new ArrayList<>();
      for (Captured c : s.recent) {
        if (c.eventTimeMs() > from) out.add(c);
      }
      return out;
    }
  }

  /** Counters of {@code streamId}. */
  public StreamStats stats(String streamId) {
    Session s = session(streamId);
    synchronized (s) {
      return new StreamStats(
          streamId,
          s.seq,
          s.labeled,
          s.audioSamples,
          s.refused,
          s.sendFailures.get(),
          s.lastEventTimeMs);
    }
  }

  /** Sends that failed after being accepted (all streams). */
  public long sendFailures() {
    return sendFailures.get();
  }

  private synchronized Session session(String streamId) {
    Session s = streamId == null ? null : sessions.get(streamId);
    if (s == null) {
      throw new LiveCaptureException(
          LiveCaptureException.Kind.UNKNOWN_STREAM,
          "no open capture session '"
              + streamId
              + "' (closed, idle for more than "
              + limits.idleTimeoutMs() / 1000
              + " s, or never opened)");
    }
    s.lastActivityMs = clock.getAsLong();
    return s;
  }

  private static LiveCaptureException bad(String message) {
    return new LiveCaptureException(LiveCaptureException.Kind.BAD_INPUT, message);
  }

  private final class Session {
    final String streamId;
    long lastActivityMs;
    long seq;
    long lastEventTimeMs = -1;
    long labeled;
    long audioSamples;
    long refused;
    final AtomicLong sendFailures = new AtomicLong();
    // token buckets: moments and audio samples
    double momentTokens = 2;
    double sampleTokens;
    long lastRefillMs;
    // the last chunkSamples of audio, as a ring
    final short[] ring = new short[limits.chunkSamples()];
    int ringPos;
    int ringFilled;
    final Deque<Captured> recent = new ArrayDeque<>();

    Session(String streamId, long now) {
      this.streamId = streamId;
      this.lastActivityMs = now;
      this.lastRefillMs = now;
      this.sampleTokens = maxSampleTokens();
    }

    double maxSampleTokens() {
      return (double) limits.sampleRate() * (limits.maxAudioMsPerMoment() + 1000) / 1000;
    }

    Moment publish(Input in) {
      validate(in);
      long now = clock.getAsLong();
      refill(now);
      int samples = in.audio() == null ? 0 : in.audio().length;
      if (momentTokens < 1) {
        throw new LiveCaptureException(
            LiveCaptureException.Kind.TOO_FAST,
            "more than " + limits.maxFps() + " moments per second on stream " + streamId);
      }
      if (samples > sampleTokens) {
        throw new LiveCaptureException(
            LiveCaptureException.Kind.TOO_FAST,
            "audio faster than real time on stream "
                + streamId
                + ": "
                + samples
                + " samples sent with "
                + (long) sampleTokens
                + " allowed now at "
                + limits.sampleRate()
                + " Hz");
      }
      momentTokens -= 1;
      sampleTokens -= samples;

      long t = Math.max(now, lastEventTimeMs + 1);
      long moment = seq;
      appendAudio(in.audio());
      short[] chunk = ringFilled == 0 ? null : chunk();
      String label = blankToNull(in.label());
      String text = blankToNull(in.text());

      VideoFrame frame =
          VideoFrame.newBuilder()
              .setStreamId(streamId)
              .setSeq(moment)
              .setEventTimeMs(t)
              .setWidth(in.width())
              .setHeight(in.height())
              .setChannels(1)
              .setEncoding(FrameEncoding.RAW8)
              .setData(ByteBuffer.wrap(in.gray().clone()))
              .build();
      AudioChunk audio =
          chunk == null
              ? null
              : AudioChunk.newBuilder()
                  .setStreamId(streamId)
                  .setSeq(moment)
                  .setEventTimeMs(t)
                  .setSampleRate(limits.sampleRate())
                  .setChannels(1)
                  .setData(ByteBuffer.wrap(AvProducer.pcm16le(chunk)))
                  .build();
      TextSegment caption =
          text == null
              ? null
              : TextSegment.newBuilder()
                  .setStreamId(streamId)
                  .setSeq(moment)
                  .setEventTimeMs(t)
                  .setText(text)
                  .setLanguage("en")
                  .build();
      LabelEvent labelEvent =
          label == null
              ? null
              : LabelEvent.newBuilder()
                  .setStreamId(streamId)
                  .setClassName(label)
                  .setModality(null)
                  .setStartTimeMs(t)
                  .setEndTimeMs(t + 1)
                  .setEventTimeMs(t)
                  .build();

      // the order of every ingest source: label, caption, frame, chunk
      // (one moment: a Kafka sink declares its parts, so pairing emits it as soon as they are in)
      for (CompletableFuture<?> f :
          AvSink.sendMomentOrFailure(sink, labelEvent, caption, frame, audio)) track(() -> f);

      seq++;
      lastEventTimeMs = t;
      audioSamples += samples;
      if (label != null) labeled++;
      if (limits.recentMs() > 0) {
        recent.addLast(
            new Captured(
                moment,
                t,
                in.width(),
                in.height(),
                in.gray().clone(),
                chunk,
                limits.sampleRate(),
                label));
        while (!recent.isEmpty() && recent.peekFirst().eventTimeMs() <= t - limits.recentMs())
          recent.pollFirst();
      }
      return new Moment(streamId, moment, t, label, frame, audio, caption, labelEvent);
    }

    void refill(long now) {
      long dt = Math.max(0, now - lastRefillMs);
      lastRefillMs = now;
      momentTokens = Math.min(2, momentTokens + dt * limits.maxFps() / 1000.0);
      sampleTokens =
          Math.min(maxSampleTokens(), sampleTokens + dt * (double) limits.sampleRate() / 1000.0);
    }

    void validate(Input in) {
      if (in == null) throw bad("empty moment");
      if (in.width() < 1
          || in.height() < 1
          || in.width() > limits.maxWidth()
          || in.height() > limits.maxHeight()) {
        throw bad(
            "frame size "
                + in.width()
                + "x"
                + in.height()
                + " outside 1x1.."
                + limits.maxWidth()
                + "x"
                + limits.maxHeight());
      }
      if (in.gray() == null || in.gray().length != in.width() * in.height()) {
        throw bad(
            "frame data length "
                + (in.gray() == null ? 0 : in.gray().length)
                + " != width*height = "
                + in.width() * in.height()
                + " (gray, one byte per pixel)");
      }
      int samples = in.audio() == null ? 0 : in.audio().length;
      if (samples > 0 && in.sampleRate() != limits.sampleRate()) {
        throw bad(
            "audio sample rate "
                + in.sampleRate()
                + " Hz; this server takes "
                + limits.sampleRate()
                + " Hz PCM16 mono");
      }
      long maxSamples = (long) limits.sampleRate() * limits.maxAudioMsPerMoment() / 1000;
      if (samples > maxSamples) {
        throw bad(
            samples
                + " audio samples in one moment; at most "
                + maxSamples
                + " ("
                + limits.maxAudioMsPerMoment()
                + " ms)");
      }
      if (in.text() != null && in.text().length() > limits.maxTextChars()) {
        throw bad(
            "caption of " + in.text().length() + " characters; at most " + limits.maxTextChars());
      }
      if (in.label() != null && in.label().strip().length() > MAX_CLASS_CHARS) {
        throw bad("class name longer than " + MAX_CLASS_CHARS + " characters");
      }
    }

    void appendAudio(short[] a) {
      if (a == null) return;
      int n = ring.length;
      int from = Math.max(0, a.length - n);
      for (int i = from; i < a.length; i++) {
        ring[ringPos] = a[i];
        ringPos = (ringPos + 1) % n;
      }
      ringFilled = Math.min(n, ringFilled + a.length - from);
    }

    short[] chunk() {
      short[] out = new short[ringFilled];
      int n = ring.length;
      int start = (ringPos - ringFilled + n) % n;
      for (int i = 0; i < ringFilled; i++) out[i] = ring[(start + i) % n];
      return out;
    }

    void track(Supplier<CompletableFuture<?>> send) {
      try {
        send.get()
            .whenComplete(
                (r, e) -> {
                  if (e != null) failed(e);
                });
      } catch (RuntimeException e) {
        failed(e);
      }
    }

    void failed(Throwable e) {
      sendFailures.incrementAndGet();
      if (LiveCapture.this.sendFailures.incrementAndGet() <= 10) {
        LOG.warn("live capture {}: send failed", streamId, e);
      }
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** Drops every session (their stream ids are refused afterwards). */
  public synchronized void closeAll() {
    sessions.clear();
  }
}
