package io.streamalign.ingest.source.live;

/**
 * What a {@link LiveCapture} accepts from its clients (a browser's camera and microphone), enforced
 * on the server whatever the client sends.
 *
 * @param maxWidth largest frame width in pixels (frames are gray {@code RAW8}, one byte per pixel)
 * @param maxHeight largest frame height in pixels
 * @param maxFps most moments (frame + chunk) per second per stream; a moment sooner than {@code
 *     1/maxFps} after the previous one (less a quarter period of jitter) is refused
 * @param sampleRate the only accepted audio sample rate (Hz; PCM16 mono); 16 kHz is what the audio
 *     featurizer works at
 * @param chunkMs length of the audio chunk published with each moment: the last {@code chunkMs} of
 *     the stream's audio, ending at the moment (chunks of consecutive moments overlap when it
 *     exceeds the frame period, so a spoken word lies whole in some chunk)
 * @param maxAudioMsPerMoment most audio one moment may add (a client cannot send faster than real
 *     time: see also the stream's audio budget)
 * @param maxTextChars longest caption
 * @param maxStreams most capture sessions open at once (a new session is refused while that many
 *     are open and none has been idle for {@code idleTimeoutMs})
 * @param idleTimeoutMs a session without a moment for this long is closed
 * @param recentMs how much of each stream's capture is kept for enrollment ("the last seconds")
 */
public record LiveLimits(
    int maxWidth,
    int maxHeight,
    double maxFps,
    int sampleRate,
    int chunkMs,
    int maxAudioMsPerMoment,
    int maxTextChars,
    int maxStreams,
    long idleTimeoutMs,
    long recentMs) {

  public LiveLimits {
    if (maxWidth < 1 || maxHeight < 1 || maxWidth > 1024 || maxHeight > 1024) {
      throw new IllegalArgumentException(
          "max frame size must be in 1..1024: " + maxWidth + "x" + maxHeight);
    }
    if (!(maxFps > 0 && maxFps <= 60))
      throw new IllegalArgumentException("maxFps must be in (0, 60]: " + maxFps);
    if (sampleRate < 1000 || sampleRate > 48_000) {
      throw new IllegalArgumentException("sampleRate must be in 1000..48000: " + sampleRate);
    }
    if (chunkMs < 10 || chunkMs > 5000)
      throw new IllegalArgumentException("chunkMs must be in 10..5000: " + chunkMs);
    if (maxAudioMsPerMoment < 10 || maxAudioMsPerMoment > 10_000) {
      throw new IllegalArgumentException(
          "maxAudioMsPerMoment must be in 10..10000: " + maxAudioMsPerMoment);
    }
    if (maxTextChars < 0 || maxTextChars > 10_000) {
      throw new IllegalArgumentException("maxTextChars must be in 0..10000: " + maxTextChars);
    }
    if (maxStreams < 1)
      throw new IllegalArgumentException("maxStreams must be >= 1: " + maxStreams);
    if (idleTimeoutMs < 1000)
      throw new IllegalArgumentException("idleTimeoutMs must be >= 1000: " + idleTimeoutMs);
    if (recentMs < 0 || recentMs > 60_000)
      throw new IllegalArgumentException("recentMs must be in 0..60000");
  }

  /**
   * 64x64 gray frames (the video featurizer area-averages them to its 28x28), at most 8 moments/s,
   * 16 kHz audio in 1 s chunks, 2 s of audio per moment at most, 500-character captions, 16
   * sessions, 60 s idle timeout, 10 s kept for enrollment.
   */
  public static LiveLimits defaults() {
    return new LiveLimits(64, 64, 8, 16_000, 1000, 2000, 500, 16, 60_000, 10_000);
  }

  public LiveLimits withMaxFps(double fps) {
    return new LiveLimits(
        maxWidth,
        maxHeight,
        fps,
        sampleRate,
        chunkMs,
        maxAudioMsPerMoment,
        maxTextChars,
        maxStreams,
        idleTimeoutMs,
        recentMs);
  }

  public LiveLimits withMaxStreams(int n) {
    return new LiveLimits(
        maxWidth,
        maxHeight,
        maxFps,
        sampleRate,
        chunkMs,
        maxAudioMsPerMoment,
        maxTextChars,
        n,
        idleTimeoutMs,
        recentMs);
  }

  public LiveLimits withIdleTimeoutMs(long ms) {
    return new LiveLimits(
        maxWidth,
        maxHeight,
        maxFps,
        sampleRate,
        chunkMs,
        maxAudioMsPerMoment,
        maxTextChars,
        maxStreams,
        ms,
        recentMs);
  }

  /** Audio samples in one chunk. */
  public int chunkSamples() {
    return (int) ((long) sampleRate * chunkMs / 1000);
  }

  /**
   * Largest request body a moment can need (frame + audio as base64 in JSON, caption, field names).
   */
  public int maxMomentBytes() {
    long raw = (long) maxWidth * maxHeight + (long) sampleRate * maxAudioMsPerMoment / 1000 * 2;
    return (int) (raw * 4 / 3 + 4L * maxTextChars + 4096);
  }
}
