package io.streamalign.ingest.source;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Live "camera + microphone" scenes that need no data files: N streams each show a shape whose
 * class changes over time, and say its name.
 *
 * <p>Per moment and stream: a gray frame (RAW8, {@code frameSize}^2) rendered by {@link
 * SceneRenderer} with the current class's shape at a drifting position, scale and rotation, random
 * contrast and sensor noise; an audio chunk (PCM16 mono 16 kHz) with the class word spoken by
 * FreeTTS ({@link SpeechSynth}, kevin16) at a random speaking rate, pitch and pitch range, with
 * random gain, leading/trailing silence and background noise at 8-30 dB SNR; sometimes a caption
 * describing the scene; and a label according to the budget.
 *
 * <p>Schedule (class-incremental): {@code initialClasses} classes at first and one more every
 * {@code newClassEveryMoments} moments; a stream keeps a class for a random segment of moments, and
 * a newly appeared class is picked with probability 1/2 for the next segments so it is seen soon.
 * Labels: while a class has fewer than {@code targetLabelsPerClass} labeled audio chunks, or a
 * captioned moment comes while it has fewer than that many labeled captions (all streams together),
 * its moments are labeled for all modalities; afterwards only for video ({@code labelVideo}) or not
 * at all — the scarce target-modality labels of the design. Counting captions apart gives every
 * class labeled text as well as labeled audio (with captions on half the moments, 5 fully labeled
 * moments leave a class without any labeled caption one time in 32).
 */
public final class SyntheticSource extends Source {

  private static final float[] RATES = {120f, 150f, 180f};
  private static final float[] PITCHES = {80f, 100f, 120f, 140f};
  private static final float[] RANGES = {6f, 15f};
  private static final String[] CAPTIONS = {
    "a %s %s %s",
    "there is a %2$s %3$s on screen",
    "the camera sees a %3$s",
    "%3$s moving %4$s",
    "a %1$s %3$s drifting %4$s",
    "look, a %3$s"
  };

  private final SyntheticOptions scene;
  private final SpeechSynth speech;
  private final boolean ownsSpeech;
  private final StreamState[] state;
  private final Map<String, Integer> audioLabels = new HashMap<>();
  private final Map<String, Integer> textLabels = new HashMap<>();

  private static final class StreamState {
    final SplittableRandom rnd;
    String cls;
    int remaining;
    double x;
    double y;
    double vx;
    double vy;
    double scale;
    double rotation;
    double spin;
    int background;
    int foreground;
    int newestSeen;

    StreamState(SplittableRandom rnd) {
      this.rnd = rnd;
    }
  }

  /** A source with its own speech synthesizer (closed with the source). */
  public SyntheticSource(AvSink sink, SourceOptions options, SyntheticOptions scene) {
    this(sink, options, scene, new SpeechSynth(), true);
  }

  /** A source sharing a speech synthesizer (not closed with the source). */
  public SyntheticSource(
      AvSink sink, SourceOptions options, SyntheticOptions scene, SpeechSynth speech) {
    this(sink, options, scene, speech, false);
  }

  private SyntheticSource(
      AvSink sink,
      SourceOptions options,
      SyntheticOptions scene,
      SpeechSynth speech,
      boolean owns) {
    super(sink, options);
    this.scene = Objects.requireNonNull(scene, "scene");
    this.speech = Objects.requireNonNull(speech, "speech");
    this.ownsSpeech = owns;
    state = new StreamState[options.streams()];
    for (int s = 0; s < state.length; s++) {
      state[s] = new StreamState(new SplittableRandom(options.seed() * 1_000_003L + s));
      state[s].newestSeen = scene.initialClasses() - 1;
    }
  }

  @Override
  public String name() {
    return "synthetic";
  }

  /** Number of classes active at moment {@code seq}. */
  public int activeClasses(long seq) {
    long n = scene.initialClasses() + seq / scene.newClassEveryMoments();
    return (int) Math.min(scene.classes().size(), n);
  }

  @Override
  public Moment moment(int stream, long seq, long eventTimeMs) {
    StreamState st = state[stream];
    SplittableRandom r = st.rnd;
    int active = activeClasses(seq);
    if (st.cls == null || st.remaining <= 0) {
      int idx;
      if (active - 1 > st.newestSeen && r.nextBoolean()) {
        idx = active - 1;
      } else {
        idx = r.nextInt(active);
      }
      if (idx == active - 1) st.newestSeen = idx;
      newSegment(st, scene.classes().get(idx));
    }
    st.remaining--;
    move(st);
    String streamId = options.streamId(stream);
    String cls = st.cls;

    SceneRenderer.Pose pose =
        new SceneRenderer.Pose(st.x, st.y, st.scale, st.rotation, st.background, st.foreground);
    int size = scene.frameSize();
    byte[] pixels = SceneRenderer.render(cls, pose, size, scene.pixelNoise(), r);
    VideoFrame frame =
        VideoFrame.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setWidth(size)
            .setHeight(size)
            .setChannels(1)
            .setEncoding(FrameEncoding.RAW8)
            .setData(ByteBuffer.wrap(pixels))
            .build();

    AudioChunk chunk =
        AudioChunk.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setSampleRate(SpeechSynth.SAMPLE_RATE)
            .setChannels(1)
            .setData(ByteBuffer.wrap(AvProducer.pcm16le(utterance(cls, r))))
            .build();

    TextSegment text = null;
    if (r.nextDouble() < scene.captionProbability()) {
      text =
          TextSegment.newBuilder()
              .setStreamId(streamId)
              .setSeq(seq)
              .setEventTimeMs(eventTimeMs)
              .setText(caption(st))
              .setLanguage("en")
              .build();
    }

    LabelEvent label = null;
    Modality labeled = labelModality(cls);
    boolean all = budgetLeft(audioLabels, cls) || (text != null && budgetLeft(textLabels, cls));
    if (labeled != null || all) {
      if (all) {
        audioLabels.merge(cls, 1, Integer::sum);
        if (text != null) textLabels.merge(cls, 1, Integer::sum);
      }
      label =
          LabelEvent.newBuilder()
              .setStreamId(streamId)
              .setClassName(cls)
              .setModality(all ? null : labeled)
              .setStartTimeMs(eventTimeMs)
              .setEndTimeMs(eventTimeMs + options.momentMs())
              .setEventTimeMs(eventTimeMs)
              .build();
    }
    return new Moment(streamId, seq, eventTimeMs, cls, frame, chunk, text, label);
  }

  private boolean budgetLeft(Map<String, Integer> labels, String cls) {
    return labels.getOrDefault(cls, 0) < scene.targetLabelsPerClass();
  }

  private Modality labelModality(String cls) {
    return scene.labelVideo() ? Modality.VIDEO : null;
  }

  private void newSegment(StreamState st, String cls) {
    SplittableRandom r = st.rnd;
    st.cls = cls;
    st.remaining = scene.minSegment() + r.nextInt(scene.maxSegment() - scene.minSegment() + 1);
    st.scale = 0.35 + 0.35 * r.nextDouble();
    double margin = st.scale / 2;
    st.x = margin + (1 - 2 * margin) * r.nextDouble();
    st.y = margin + (1 - 2 * margin) * r.nextDouble();
    st.vx = (r.nextDouble() - 0.5) * 0.06;
    st.vy = (r.nextDouble() - 0.5) * 0.06;
    st.rotation = r.nextDouble() * 2 * Math.PI;
    st.spin = (r.nextDouble() - 0.5) * 0.3;
    boolean dark = r.nextDouble() < 0.7;
    int bg = dark ? 10 + r.nextInt(90) : 160 + r.nextInt(90);
    int fg = dark ? 150 + r.nextInt(105) : r.nextInt(100);
    st.background = bg;
    st.foreground = fg;
  }

  private static void move(StreamState st) {
    double margin = st.scale / 2;
    st.x += st.vx;
    st.y += st.vy;
    if (st.x < margin || st.x > 1 - margin) {
      st.vx = -st.vx;
      st.x = Math.max(margin, Math.min(1 - margin, st.x));
    }
    if (st.y < margin || st.y > 1 - margin) {
      st.vy = -st.vy;
      st.y = Math.max(margin, Math.min(1 - margin, st.y));
    }
    st.rotation += st.spin;
  }

  private String caption(StreamState st) {
    SplittableRandom r = st.rnd;
    String size = st.scale > 0.55 ? "large" : st.scale < 0.45 ? "small" : "medium";
    String tone = st.foreground > st.background ? "bright" : "dark";
    String dir =
        Math.abs(st.vx) > Math.abs(st.vy)
            ? (st.vx > 0 ? "right" : "left")
            : (st.vy > 0 ? "down" : "up");
    return String.format(CAPTIONS[r.nextInt(CAPTIONS.length)], size, tone, st.cls, dir);
  }

  /**
   * The class word spoken with random prosody, gain, padding and background noise (16 kHz mono).
   */
  short[] utterance(String word, SplittableRandom r) {
    SpeechSynth.Prosody p =
        new SpeechSynth.Prosody(
            RATES[r.nextInt(RATES.length)],
            PITCHES[r.nextInt(PITCHES.length)],
            RANGES[r.nextInt(RANGES.length)]);
    short[] voice = speech.speak(word, p);
    int rate = SpeechSynth.SAMPLE_RATE;
    int lead = r.nextInt(rate * 12 / 100 + 1);
    int trail = r.nextInt(rate * 12 / 100 + 1);
    double gain = 0.4 + 0.6 * r.nextDouble();
    double rms = 0;
    for (short v : voice) rms += (double) v * v;
    rms = Math.sqrt(rms / voice.length) * gain;
    double snrDb = 8 + 22 * r.nextDouble();
    double noiseStd = rms / Math.pow(10, snrDb / 20);
    double humAmp = r.nextDouble() < 0.3 ? noiseStd : 0;
    double humHz = r.nextBoolean() ? 50 : 60;
    double phase = r.nextDouble() * 2 * Math.PI;
    short[] out = new short[lead + voice.length + trail];
    for (int i = 0; i < out.length; i++) {
      int j = i - lead;
      double v = j >= 0 && j < voice.length ? voice[j] * gain : 0;
      v += r.nextGaussian() * noiseStd + humAmp * Math.sin(phase + 2 * Math.PI * humHz * i / rate);
      out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
    }
    return out;
  }

  @Override
  public void close() {
    super.close();
    if (ownsSpeech) speech.close();
  }
}
