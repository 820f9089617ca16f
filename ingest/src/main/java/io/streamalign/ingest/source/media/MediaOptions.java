package io.streamalign.ingest.source.media;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link MediaSource} decodes and publishes.
 *
 * @param streamId stream id of every record
 * @param fps video frames per second to publish (decoded frames are sampled down to it); {@code <=
 *     0} publishes every decoded frame
 * @param gray publish gray {@code RAW8} frames (1 channel) instead of {@code RGB24}
 * @param width output width in pixels, or 0 for the stream's (resized by FFmpeg's swscale)
 * @param height output height, or 0 for the stream's (if only one is set, the other keeps the
 *     aspect ratio)
 * @param sampleRate audio output rate in Hz (resampled by FFmpeg), or 0 for the stream's rate
 * @param chunkMs length of the audio chunk sent with each frame (it starts at the frame's time), or
 *     0 for one frame period {@code 1000 / fps} (then consecutive chunks are contiguous)
 * @param realtime pace publishing to the stream's timestamps (replay a file like a live camera);
 *     live URLs pace themselves
 * @param limit stop after this many frames (moments), or 0 for none
 * @param className if not null, also send a label of this class over every moment
 * @param startTimeMs event time of stream time 0, or 0 for the wall clock at start
 * @param ioTimeout network read timeout for URLs
 * @param progress called about every second and once at the end (may be null)
 */
public record MediaOptions(
    String streamId,
    double fps,
    boolean gray,
    int width,
    int height,
    int sampleRate,
    long chunkMs,
    boolean realtime,
    long limit,
    String className,
    long startTimeMs,
    Duration ioTimeout,
    Consumer<MediaProgress> progress) {

  public MediaOptions {
    Objects.requireNonNull(streamId, "streamId");
    if (streamId.isBlank()) throw new IllegalArgumentException("streamId is blank");
    if (Double.isNaN(fps) || Double.isInfinite(fps))
      throw new IllegalArgumentException("fps must be finite: " + fps);
    if (width < 0 || height < 0) throw new IllegalArgumentException("width/height must be >= 0");
    if (sampleRate < 0)
      throw new IllegalArgumentException("sampleRate must be >= 0: " + sampleRate);
    if (chunkMs < 0) throw new IllegalArgumentException("chunkMs must be >= 0: " + chunkMs);
    if (fps <= 0 && chunkMs == 0) {
      throw new IllegalArgumentException(
          "chunkMs must be set when fps <= 0 (no frame period to derive it from)");
    }
    if (limit < 0) throw new IllegalArgumentException("limit must be >= 0: " + limit);
    if (startTimeMs < 0) throw new IllegalArgumentException("startTimeMs must be >= 0");
    Objects.requireNonNull(ioTimeout, "ioTimeout");
  }

  /**
   * 10 fps RGB24 at the stream's size, 16 kHz audio in 100 ms chunks, as fast as decoded, no limit,
   * no label.
   */
  public static MediaOptions defaults(String streamId) {
    return new MediaOptions(
        streamId, 10, false, 0, 0, 16_000, 0, false, 0, null, 0, Duration.ofSeconds(10), null);
  }

  public MediaOptions withFps(double f) {
    return new MediaOptions(
        streamId,
        f,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withGray(boolean g) {
    return new MediaOptions(
        streamId,
        fps,
        g,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withSize(int w, int h) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        w,
        h,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withSampleRate(int r) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        r,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withChunkMs(long ms) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        ms,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withRealtime(boolean r) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        r,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withLimit(long n) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        n,
        className,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withClassName(String c) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        c,
        startTimeMs,
        ioTimeout,
        progress);
  }

  public MediaOptions withStartTimeMs(long t) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        t,
        ioTimeout,
        progress);
  }

  public MediaOptions withIoTimeout(Duration d) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        d,
        progress);
  }

  public MediaOptions withProgress(Consumer<MediaProgress> p) {
    return new MediaOptions(
        streamId,
        fps,
        gray,
        width,
        height,
        sampleRate,
        chunkMs,
        realtime,
        limit,
        className,
        startTimeMs,
        ioTimeout,
        p);
  }

  /** Audio chunk length in ms actually used. */
  public long effectiveChunkMs() {
    return chunkMs > 0 ? chunkMs : Math.max(1, Math.round(1000.0 / fps));
  }
}
