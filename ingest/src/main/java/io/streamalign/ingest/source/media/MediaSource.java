package io.streamalign.ingest.source.media;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.BackgroundRun;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes video and audio from a media file or a live URL ({@code rtsp://}, {@code http(s)://},
 * anything FFmpeg opens) with FFmpeg through JavaCV's {@link FFmpegFrameGrabber} and publishes them
 * as one stream:
 *
 * <ul>
 *   <li>video frames sampled to {@link MediaOptions#fps()} (the first decoded frame at or after
 *       each {@code k / fps} tick, within half a frame period), converted by FFmpeg to {@code
 *       RGB24} (3 channels) or gray {@code RAW8} (1 channel), optionally resized;
 *   <li>for each published frame, one PCM16 mono {@link AudioChunk} of {@link
 *       MediaOptions#effectiveChunkMs()} starting at the frame's time (resampled by FFmpeg to
 *       {@link MediaOptions#sampleRate()}), with the <em>same seq and event time</em> as the frame,
 *       so the pairing topology joins them;
 *   <li>an audio-only input gets chunks on the {@code k / fps} grid with seq {@code k}.
 * </ul>
 *
 * Event time is {@code start + (stream timestamp - first timestamp)}, in ms. A frame the decoder
 * fails on is skipped and counted ({@link MediaProgress#decodeErrors()}); 100 failures in a row end
 * the run with a {@link MediaException}. An input that cannot be opened is a {@link MediaException}
 * naming it and the reason.
 */
public final class MediaSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MediaSource.class);
  private static final int MAX_CONSECUTIVE_ERRORS = 100;
  private static final int MAX_PENDING = 10_000;
  private static volatile boolean quiet;

  private final AvSink sink;
  private final String input;
  private final MediaOptions options;
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong chunks = new AtomicLong();
  private final AtomicLong decoded = new AtomicLong();
  private final AtomicLong decodeErrors = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile long streamTimeUs;
  private volatile long startedAtMs;

  // audio state (decode thread only)
  private final Deque<Pending> pending = new ArrayDeque<>();
  private short[] audio = new short[0];
  private int audioLen;
  private long audioBufStart; // absolute sample index of audio[0]
  private long audioStartUs = Long.MIN_VALUE; // stream time of absolute sample 0
  private int audioRate;
  private long keepFrom; // absolute sample index still needed by future frames
  private long gridNext; // next grid moment of an audio-only input

  private record Pending(long seq, long relUs, long eventTimeMs) {}

  /**
   * @param sink where records go (an {@link AvProducer} for Kafka)
   * @param input a file path or a URL FFmpeg can open
   */
  private final BackgroundRun<MediaProgress> lifecycle =
      new BackgroundRun<>(() -> "source-media", this::loop, this::failure);

  public MediaSource(AvSink sink, String input, MediaOptions options) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.input = Objects.requireNonNull(input, "input");
    this.options = Objects.requireNonNull(options, "options");
    if ((options.width() == 0) != (options.height() == 0)) {
      throw new IllegalArgumentException(
          "set both width and height, or neither: " + options.width() + "x" + options.height());
    }
  }

  /** Starts decoding on a new daemon thread; returns at once. */
  public void start() {
    lifecycle.start();
  }

  /** Asks the source to stop after the current frame and waits for it (at most 30 s). */
  public void stop() {
    lifecycle.stop();
  }

  /** Waits for the source to finish; returns the final progress, or null on timeout. */
  public MediaProgress await(Duration timeout) {
    return lifecycle.await(timeout);
  }

  /**
   * Completes when the source has finished (exceptionally with a {@link MediaException} on
   * failure).
   */
  public CompletableFuture<MediaProgress> completion() {
    return lifecycle.completion();
  }

  /** Progress so far. */
  public MediaProgress progress() {
    return snapshot(false);
  }

  /**
   * Decodes and publishes until the input ends, the limit is reached or {@link #stop()} is called.
   *
   * @throws MediaException if the input cannot be opened, has neither video nor audio, or keeps
   *     failing
   */
  public MediaProgress run() {
    return lifecycle.run();
  }

  private RuntimeException failure(Throwable cause) {
    return cause instanceof MediaException m
        ? m
        : new MediaException("media source failed on " + input, cause);
  }

  static boolean isUrl(String input) {
    return input.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*");
  }

  private FFmpegFrameGrabber open() {
    if (!quiet) {
      avutil.av_log_set_level(avutil.AV_LOG_ERROR);
      quiet = true;
    }
    boolean url = isUrl(input);
    if (!url) {
      Path p = Path.of(input);
      if (!Files.isRegularFile(p))
        throw new MediaException("media file not found: " + p.toAbsolutePath());
      if (!Files.isReadable(p))
        throw new MediaException("media file not readable: " + p.toAbsolutePath());
    }
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(input);
    if (url) {
      String us = Long.toString(options.ioTimeout().toMillis() * 1000);
      if (input.regionMatches(true, 0, "rtsp", 0, 4)) {
        g.setOption("rtsp_transport", "tcp");
        g.setOption("timeout", us);
      } else {
        g.setOption("rw_timeout", us);
      }
    }
    g.setPixelFormat(options.gray() ? avutil.AV_PIX_FMT_GRAY8 : avutil.AV_PIX_FMT_RGB24);
    if (options.width() > 0) {
      g.setImageWidth(options.width());
      g.setImageHeight(options.height());
    }
    g.setSampleMode(FrameGrabber.SampleMode.SHORT);
    g.setAudioChannels(1);
    if (options.sampleRate() > 0) g.setSampleRate(options.sampleRate());
    try {
      g.start();
    } catch (FrameGrabber.Exception | RuntimeException e) {
      release(g);
      throw new MediaException("cannot open media '" + input + "': " + e.getMessage(), e);
    }
    if (!g.hasVideo() && !g.hasAudio()) {
      release(g);
      throw new MediaException("media '" + input + "' has neither a video nor an audio stream");
    }
    return g;
  }

  private static void release(FFmpegFrameGrabber g) {
    try {
      g.close();
    } catch (Exception e) {
      LOG.debug("closing grabber", e);
    }
  }

  private MediaProgress loop() {
    FFmpegFrameGrabber g = open();
    long wallStart = System.currentTimeMillis();
    startedAtMs = wallStart;
    long base = options.startTimeMs() > 0 ? options.startTimeMs() : wallStart;
    boolean hasVideo = g.hasVideo();
    boolean hasAudio = g.hasAudio();
    double periodUs = options.fps() > 0 ? 1e6 / options.fps() : 0;
    double srcFps = g.getVideoFrameRate() > 0 ? g.getVideoFrameRate() : g.getFrameRate();
    double tolUs = periodUs <= 0 ? 0 : Math.min(periodUs, srcFps > 0 ? 1e6 / srcFps : periodUs) / 2;
    long chunkMs = options.effectiveChunkMs();
    LOG.info(
        "media source {}: {} video={} ({}x{} @ {} fps, {}) audio={} ({} Hz) -> {} fps {}, {} ms chunks",
        options.streamId(),
        input,
        hasVideo,
        g.getImageWidth(),
        g.getImageHeight(),
        srcFps,
        g.getVideoCodecName(),
        hasAudio,
        g.getSampleRate(),
        options.fps(),
        options.gray() ? "RAW8" : "RGB24",
        chunkMs);
    long t0 = Long.MIN_VALUE;
    double nextTargetUs = 0;
    int consecutive = 0;
    long nextReport = wallStart + 1000;
    try {
      while (!lifecycle.stopRequested()) {
        if (options.limit() > 0 && frames.get() >= options.limit() && pending.isEmpty()) break;
        Frame f;
        try {
          f = g.grabFrame(hasAudio, hasVideo, true, false, false);
        } catch (FrameGrabber.Exception | RuntimeException e) {
          decodeErrors.incrementAndGet();
          if (++consecutive >= MAX_CONSECUTIVE_ERRORS) {
            throw new MediaException(
                "media '"
                    + input
                    + "': "
                    + consecutive
                    + " decode errors in a row, last: "
                    + e.getMessage(),
                e);
          }
          if (decodeErrors.get() <= 10)
            LOG.warn("media source {}: skipping undecodable frame: {}", input, e.toString());
          continue;
        }
        if (f == null) break; // end of input
        consecutive = 0;
        if (t0 == Long.MIN_VALUE) t0 = f.timestamp;
        long rel = f.timestamp - t0;
        streamTimeUs = rel;
        if (f.image != null && f.imageWidth > 0) {
          decoded.incrementAndGet();
          boolean take = options.limit() <= 0 || frames.get() < options.limit();
          if (take && (periodUs <= 0 || rel + tolUs >= nextTargetUs)) {
            if (periodUs > 0) nextTargetUs = (Math.floor((rel + tolUs) / periodUs) + 1) * periodUs;
            pace(wallStart, rel);
            publishFrame(f, rel, base, hasAudio, chunkMs);
          }
        } else if (f.samples != null && hasAudio) {
          addAudio(f, rel);
          if (!hasVideo) addGridMoments(periodUs, base, chunkMs);
          emitChunks(chunkMs, false);
        }
        long now = System.currentTimeMillis();
        if (options.progress() != null && now >= nextReport) {
          options.progress().accept(snapshot(false));
          nextReport = now + 1000;
        }
      }
      if (!lifecycle.stopRequested()) emitChunks(chunkMs, true);
    } finally {
      release(g);
    }
    sink.flush();
    MediaProgress last = snapshot(true);
    if (options.progress() != null) options.progress().accept(last);
    LOG.info("media source {}: done {}", options.streamId(), last);
    return last;
  }

  private void pace(long wallStart, long relUs) {
    if (!options.realtime()) return;
    long sleep = wallStart + relUs / 1000 - System.currentTimeMillis();
    if (sleep > 0) {
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        lifecycle.requestStop();
      }
    }
  }

  private void publishFrame(Frame f, long relUs, long base, boolean hasAudio, long chunkMs) {
    int w = f.imageWidth;
    int h = f.imageHeight;
    int c =
        options.gray()
            ? 1
            : 3; // the pixel format asked of FFmpeg (Frame.imageChannels counts row padding)
    int row = w * c;
    ByteBuffer src = ((ByteBuffer) f.image[0]).duplicate();
    byte[] px = new byte[row * h];
    int stride = f.imageStride > 0 ? f.imageStride : row;
    for (int y = 0; y < h; y++) {
      src.position(y * stride);
      src.get(px, y * row, row);
    }
    long seq = frames.getAndIncrement();
    long t = base + Math.floorDiv(relUs, 1000);
    FrameEncoding enc = c == 1 ? FrameEncoding.RAW8 : FrameEncoding.RGB24;
    VideoFrame vf =
        VideoFrame.newBuilder()
            .setStreamId(options.streamId())
            .setSeq(seq)
            .setEventTimeMs(t)
            .setWidth(w)
            .setHeight(h)
            .setChannels(c)
            .setEncoding(enc)
            .setData(ByteBuffer.wrap(px))
            .build();
    label(t, chunkMs);
    track(() -> sink.sendFrame(vf));
    if (hasAudio) {
      if (pending.size() >= MAX_PENDING) {
        pending.pollFirst();
        LOG.warn(
            "media source {}: no audio for {} frames; dropping the oldest pending chunk",
            input,
            MAX_PENDING);
      }
      pending.addLast(new Pending(seq, relUs, t));
      emitChunks(chunkMs, false);
    }
  }

  private void label(long t, long chunkMs) {
    if (options.className() == null) return;
    long len = options.fps() > 0 ? Math.max(1, Math.round(1000.0 / options.fps())) : chunkMs;
    LabelEvent l =
        LabelEvent.newBuilder()
            .setStreamId(options.streamId())
            .setClassName(options.className())
            .setModality(null)
            .setStartTimeMs(t)
            .setEndTimeMs(t + len)
            .setEventTimeMs(t)
            .build();
    track(() -> sink.sendLabel(l));
  }

  /**
   * Audio-only input: moments on the 1/fps grid (chunk length when fps <= 0) as far as the audio
   * reaches.
   */
  private void addGridMoments(double periodUs, long base, long chunkMs) {
    if (audioStartUs == Long.MIN_VALUE) return;
    double step = periodUs > 0 ? periodUs : chunkMs * 1000.0;
    long endUs = audioStartUs + Math.round((audioBufStart + audioLen) * 1e6 / audioRate);
    while (gridNext * step < endUs && (options.limit() <= 0 || frames.get() < options.limit())) {
      long rel = Math.round(gridNext * step);
      long seq =
          frames.getAndIncrement(); // without video, a grid moment counts as a frame (moment)
      long t = base + rel / 1000;
      label(t, chunkMs);
      pending.addLast(new Pending(seq, rel, t));
      gridNext++;
    }
  }

  private void addAudio(Frame f, long relUs) {
    Buffer[] s = f.samples;
    int ch = Math.max(1, f.audioChannels);
    short[] mono;
    if (s.length == 1) {
      ShortBuffer b = ((ShortBuffer) s[0]).duplicate();
      short[] inter = new short[b.remaining()];
      b.get(inter);
      mono = ch == 1 ? inter : downmix(inter, ch);
    } else { // planar
      int n = s[0].remaining();
      int[] acc = new int[n];
      for (Buffer plane : s) {
        ShortBuffer b = ((ShortBuffer) plane).duplicate();
        for (int i = 0; i < n; i++) acc[i] += b.get();
      }
      mono = new short[n];
      for (int i = 0; i < n; i++) mono[i] = (short) (acc[i] / s.length);
    }
    if (audioStartUs == Long.MIN_VALUE) {
      audioStartUs = relUs;
      audioRate = f.sampleRate;
      audioBufStart = 0;
      keepFrom = 0;
    }
    if (audioLen + mono.length > audio.length) {
      // drop what no frame needs any more before growing
      int drop = (int) Math.min(audioLen, Math.max(0, keepFrom - audioBufStart));
      long maxKeep = 30L * audioRate; // bounded memory: at most ~30 s of audio buffered
      if (audioLen - drop + mono.length > maxKeep)
        drop = (int) Math.min(audioLen, audioLen + mono.length - maxKeep);
      if (drop > 0) {
        System.arraycopy(audio, drop, audio, 0, audioLen - drop);
        audioLen -= drop;
        audioBufStart += drop;
      }
      if (audioLen + mono.length > audio.length) {
        audio = Arrays.copyOf(audio, Math.max(audioLen + mono.length, audio.length * 2 + 1024));
      }
    }
    System.arraycopy(mono, 0, audio, audioLen, mono.length);
    audioLen += mono.length;
  }

  private static short[] downmix(short[] inter, int ch) {
    short[] m = new short[inter.length / ch];
    for (int i = 0; i < m.length; i++) {
      int sum = 0;
      for (int c = 0; c < ch; c++) sum += inter[i * ch + c];
      m[i] = (short) (sum / ch);
    }
    return m;
  }

  /**
   * Sends the chunk of every pending moment whose audio has arrived (at the end: whatever there
   * is).
   */
  private void emitChunks(long chunkMs, boolean end) {
    if (audioStartUs == Long.MIN_VALUE) {
      if (end && !pending.isEmpty()) {
        LOG.warn(
            "media source {}: no audio decoded; {} frames sent without a chunk",
            input,
            pending.size());
        pending.clear();
      }
      return;
    }
    int n = (int) Math.max(1, chunkMs * audioRate / 1000);
    long audioEnd = audioBufStart + audioLen;
    while (!pending.isEmpty()) {
      Pending p = pending.peekFirst();
      long from = Math.round((p.relUs() - audioStartUs) * (double) audioRate / 1e6);
      long to = from + n;
      if (to > audioEnd && !end) break;
      pending.pollFirst();
      long take = Math.min(to, audioEnd);
      if (take <= Math.max(from, audioBufStart))
        continue; // no audio for this moment (before/after the audio)
      short[] pcm = new short[(int) (take - from)];
      long copyFrom =
          Math.max(from, audioBufStart); // zero-padded where the audio starts after the moment
      System.arraycopy(
          audio,
          (int) (copyFrom - audioBufStart),
          pcm,
          (int) (copyFrom - from),
          (int) (take - copyFrom));
      AudioChunk chunk =
          AudioChunk.newBuilder()
              .setStreamId(options.streamId())
              .setSeq(p.seq())
              .setEventTimeMs(p.eventTimeMs())
              .setSampleRate(audioRate)
              .setChannels(1)
              .setData(ByteBuffer.wrap(AvProducer.pcm16le(pcm)))
              .build();
      track(() -> sink.sendAudio(chunk));
      chunks.incrementAndGet();
      keepFrom = Math.max(keepFrom, from);
    }
  }

  private void track(Supplier<CompletableFuture<?>> send) {
    try {
      send.get()
          .whenComplete(
              (r, e) -> {
                if (e != null && failures.incrementAndGet() <= 10)
                  LOG.warn("media source: send failed", e);
              });
    } catch (RuntimeException e) {
      if (failures.incrementAndGet() <= 10) LOG.warn("media source: send failed", e);
    }
  }

  private MediaProgress snapshot(boolean finished) {
    long elapsed = startedAtMs == 0 ? 0 : System.currentTimeMillis() - startedAtMs;
    return new MediaProgress(
        frames.get(),
        chunks.get(),
        decoded.get(),
        decodeErrors.get(),
        failures.get(),
        streamTimeUs / 1000,
        elapsed,
        finished);
  }

  @Override
  public void close() {
    stop();
  }
}
