package io.streamalign.ingest.source;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.sound.sampled.AudioFormat;

/**
 * Text-to-speech with FreeTTS 1.0 (CMU "kevin16" diphone voice), captured to 16 kHz mono PCM16 in
 * memory.
 *
 * <p>No sound device is touched: a custom {@link AudioPlayer} collects the samples the synthesizer
 * writes. Utterances are cached per (text, rate, pitch, pitch range) so a live source can replay
 * them cheaply; the FreeTTS voice is not thread-safe, so synthesis is serialized on this instance.
 */
public final class SpeechSynth implements AutoCloseable {

  /** Output sample rate of the kevin16 voice and of every utterance returned. */
  public static final int SAMPLE_RATE = 16_000;

  static final String VOICES_PROPERTY = "freetts.voices";
  static final String KEVIN_DIRECTORY =
      "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory";

  /**
   * Prosody of one utterance: speaking rate in words per minute, base pitch and pitch range in Hz.
   */
  public record Prosody(float rateWpm, float pitchHz, float pitchRangeHz) {
    public static final Prosody DEFAULT = new Prosody(150f, 100f, 11f);

    public Prosody {
      if (!(rateWpm > 20 && rateWpm < 600))
        throw new IllegalArgumentException("rateWpm out of range: " + rateWpm);
      if (!(pitchHz > 20 && pitchHz < 500))
        throw new IllegalArgumentException("pitchHz out of range: " + pitchHz);
      if (!(pitchRangeHz >= 0 && pitchRangeHz < 200))
        throw new IllegalArgumentException("pitchRangeHz out of range: " + pitchRangeHz);
    }
  }

  private record Key(String text, Prosody prosody) {}

  private final Voice voice;
  private final CapturePlayer player = new CapturePlayer();
  private final Map<Key, short[]> cache = new ConcurrentHashMap<>();

  /** Loads and allocates the kevin16 voice (about a second the first time). */
  public SpeechSynth() {
    if (System.getProperty(VOICES_PROPERTY) == null) {
      System.setProperty(VOICES_PROPERTY, KEVIN_DIRECTORY);
    }
    Voice v = VoiceManager.getInstance().getVoice("kevin16");
    if (v == null) {
      throw new IllegalStateException(
          "FreeTTS voice kevin16 not found; is cmu_us_kal on the class path and "
              + VOICES_PROPERTY
              + " set to "
              + KEVIN_DIRECTORY
              + "?");
    }
    v.allocate();
    v.setAudioPlayer(player);
    this.voice = v;
  }

  /** Speaks {@code text} with the default prosody; returns 16 kHz mono samples (cached). */
  public short[] speak(String text) {
    return speak(text, Prosody.DEFAULT);
  }

  /**
   * Speaks {@code text} with the given prosody; returns 16 kHz mono samples (cached, do not
   * modify).
   */
  public short[] speak(String text, Prosody prosody) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(prosody, "prosody");
    return cache.computeIfAbsent(new Key(text, prosody), k -> synthesize(k.text(), k.prosody()));
  }

  /** Number of distinct cached utterances. */
  public int cacheSize() {
    return cache.size();
  }

  private synchronized short[] synthesize(String text, Prosody p) {
    voice.setRate(p.rateWpm());
    voice.setPitch(p.pitchHz());
    voice.setPitchRange(p.pitchRangeHz());
    player.clear();
    if (!voice.speak(text)) {
      throw new IllegalStateException("FreeTTS failed to speak: " + text);
    }
    short[] pcm = player.samples();
    if (pcm.length == 0) {
      throw new IllegalStateException("FreeTTS produced no audio for: " + text);
    }
    return pcm;
  }

  @Override
  public synchronized void close() {
    voice.deallocate();
  }

  /** Collects the bytes FreeTTS writes; converts them to 16-bit samples at the end. */
  private static final class CapturePlayer implements AudioPlayer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private AudioFormat format = new AudioFormat(SAMPLE_RATE, 16, 1, true, true);
    private float volume = 1f;

    synchronized void clear() {
      out.reset();
    }

    synchronized short[] samples() {
      byte[] b = out.toByteArray();
      int bits = format.getSampleSizeInBits();
      int ch = Math.max(1, format.getChannels());
      float rate = format.getSampleRate();
      short[] s;
      if (bits == 16) {
        boolean be = format.isBigEndian();
        int n = b.length / 2 / ch;
        s = new short[n];
        for (int i = 0; i < n; i++) {
          int sum = 0;
          for (int c = 0; c < ch; c++) {
            int o = (i * ch + c) * 2;
            sum +=
                be
                    ? (short) ((b[o] << 8) | (b[o + 1] & 0xff))
                    : (short) ((b[o + 1] << 8) | (b[o] & 0xff));
          }
          s[i] = (short) (sum / ch);
        }
      } else if (bits == 8) {
        int n = b.length / ch;
        s = new short[n];
        boolean signed = format.getEncoding() == AudioFormat.Encoding.PCM_SIGNED;
        for (int i = 0; i < n; i++) {
          int sum = 0;
          for (int c = 0; c < ch; c++) {
            int v = signed ? b[i * ch + c] : (b[i * ch + c] & 0xff) - 128;
            sum += v << 8;
          }
          s[i] = (short) (sum / ch);
        }
      } else {
        throw new IllegalStateException("unsupported FreeTTS audio format: " + format);
      }
      if (Math.round(rate) != SAMPLE_RATE) {
        s = resampleLinear(s, rate, SAMPLE_RATE);
      }
      return s;
    }

    private static short[] resampleLinear(short[] in, float from, int to) {
      int n = (int) Math.round((double) in.length * to / from);
      short[] o = new short[n];
      for (int i = 0; i < n; i++) {
        double x = i * (double) from / to;
        int j = (int) x;
        double f = x - j;
        int a = in[Math.min(j, in.length - 1)];
        int b = in[Math.min(j + 1, in.length - 1)];
        o[i] = (short) Math.round(a + (b - a) * f);
      }
      return o;
    }

    @Override
    public synchronized void setAudioFormat(AudioFormat f) {
      this.format = f;
    }

    @Override
    public synchronized AudioFormat getAudioFormat() {
      return format;
    }

    @Override
    public void pause() {}

    @Override
    public void resume() {}

    @Override
    public void reset() {}

    @Override
    public boolean drain() {
      return true;
    }

    @Override
    public void begin(int size) {}

    @Override
    public boolean end() {
      return true;
    }

    @Override
    public void cancel() {}

    @Override
    public void close() {}

    @Override
    public float getVolume() {
      return volume;
    }

    @Override
    public void setVolume(float v) {
      this.volume = v;
    }

    @Override
    public long getTime() {
      return 0;
    }

    @Override
    public void resetTime() {}

    @Override
    public void startFirstSampleTimer() {}

    @Override
    public synchronized boolean write(byte[] audioData) {
      out.write(audioData, 0, audioData.length);
      return true;
    }

    @Override
    public synchronized boolean write(byte[] b, int off, int len) {
      out.write(b, off, len);
      return true;
    }

    @Override
    public void showMetrics() {}
  }
}
