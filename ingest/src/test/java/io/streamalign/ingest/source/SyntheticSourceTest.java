package io.streamalign.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SyntheticSource}: real synthesized speech, distinct shapes, schedule and label budget. */
class SyntheticSourceTest {

  static SpeechSynth speech;

  @BeforeAll
  static void voice() {
    speech = new SpeechSynth();
  }

  @AfterAll
  static void close() {
    if (speech != null) speech.close();
  }

  static short[] samples(AudioChunk c) {
    ByteBuffer b = c.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    short[] s = new short[b.remaining() / 2];
    b.asShortBuffer().get(s);
    return s;
  }

  /** RMS of consecutive 20 ms frames. */
  static double[] frameRms(short[] s, int rate) {
    int n = rate / 50;
    double[] out = new double[s.length / n];
    for (int f = 0; f < out.length; f++) {
      double e = 0;
      for (int i = 0; i < n; i++) e += (double) s[f * n + i] * s[f * n + i];
      out[f] = Math.sqrt(e / n);
    }
    return out;
  }

  @Test
  void freeTtsSpeechIsRealNonSilentAndShaped() {
    for (String w : List.of("circle", "triangle", "hexagon")) {
      short[] s = speech.speak(w);
      double dur = s.length / (double) SpeechSynth.SAMPLE_RATE;
      assertTrue(dur > 0.3 && dur < 2.0, w + " lasts " + dur + " s");
      double[] rms = frameRms(s, SpeechSynth.SAMPLE_RATE);
      double max = 0;
      double min = Double.MAX_VALUE;
      for (double r : rms) {
        max = Math.max(max, r);
        min = Math.min(min, r);
      }
      assertTrue(max > 1000, w + " is audible: peak frame RMS " + max);
      assertTrue(
          max > 10 * (min + 1), w + " energy varies like speech: min " + min + " max " + max);
    }
    assertEquals(speech.speak("circle"), speech.speak("circle"), "utterances are cached");
    short[] slow = speech.speak("circle", new SpeechSynth.Prosody(110, 100, 11));
    short[] fast = speech.speak("circle", new SpeechSynth.Prosody(200, 100, 11));
    assertTrue(
        slow.length > fast.length * 1.2,
        "rate changes duration: " + slow.length + " vs " + fast.length);
  }

  @Test
  void everyShapeLooksDifferent() {
    SceneRenderer.Pose pose = new SceneRenderer.Pose(0.5, 0.5, 0.7, 0.3, 20, 230);
    List<byte[]> frames = new ArrayList<>();
    for (String s : SceneRenderer.SHAPES)
      frames.add(SceneRenderer.render(s, pose, 64, 0, new SplittableRandom(1)));
    for (int i = 0; i < frames.size(); i++) {
      for (int j = i + 1; j < frames.size(); j++) {
        int differ = 0;
        for (int k = 0; k < 64 * 64; k++) {
          if (Math.abs((frames.get(i)[k] & 0xff) - (frames.get(j)[k] & 0xff)) > 60) differ++;
        }
        assertTrue(
            differ > 80,
            SceneRenderer.SHAPES.get(i) + " vs " + SceneRenderer.SHAPES.get(j) + ": " + differ);
      }
    }
  }

  @Test
  void streamsFollowTheScheduleLabelBudgetAndSpeakTheClass() {
    SyntheticOptions scene =
        SyntheticOptions.defaults()
            .withNewClassEvery(20)
            .withTargetLabelsPerClass(3)
            .withSegments(3, 6)
            .withCaptionProbability(0.5);
    SourceOptions o = SourceOptions.defaults("syn").withStreams(2).withRate(0).withSeed(3);
    SyntheticSource src = new SyntheticSource(new CollectingSink(), o, scene, speech);
    Map<String, Integer> fullyLabeled = new HashMap<>();
    Map<String, Integer> labeledCaptions = new HashMap<>();
    Map<String, Integer> captioned = new HashMap<>();
    Set<String> early = new HashSet<>();
    Set<String> all = new HashSet<>();
    Map<String, double[]> meanFrame = new HashMap<>();
    Map<String, Integer> count = new HashMap<>();
    int captions = 0;
    for (long seq = 0; seq < 200; seq++) {
      for (int s = 0; s < 2; s++) {
        Moment m = src.moment(s, seq, 1_000_000 + seq * 100);
        all.add(m.className());
        if (seq < 20) early.add(m.className());
        LabelEvent l = m.label();
        assertTrue(l != null, "every video is labeled");
        assertEquals(m.className(), l.getClassName());
        if (l.getModality() == null) fullyLabeled.merge(m.className(), 1, Integer::sum);
        else assertEquals(Modality.VIDEO, l.getModality());
        if (m.text() != null) {
          captioned.merge(m.className(), 1, Integer::sum);
          if (l.getModality() == null) labeledCaptions.merge(m.className(), 1, Integer::sum);
          captions++;
          assertTrue(m.text().getText().contains(m.className()), m.text().getText());
        }
        assertEquals(16_000, m.audio().getSampleRate());
        double dur = samples(m.audio()).length / 16_000.0;
        assertTrue(dur > 0.3 && dur < 2.5, "chunk duration " + dur);
        byte[] px = new byte[64 * 64];
        m.video().getData().duplicate().get(px);
        double[] mean = meanFrame.computeIfAbsent(m.className(), k -> new double[64 * 64]);
        for (int i = 0; i < px.length; i++) mean[i] += px[i] & 0xff;
        count.merge(m.className(), 1, Integer::sum);
      }
    }
    assertTrue(early.size() <= 3, "only the initial classes at first: " + early);
    assertEquals(10, all.size(), "all classes appear by the end: " + all);
    // the budget of each target modality: 3 labeled audio chunks per class, and 3 labeled captions
    // per class that had as many captions; a moment beyond the audio budget is labeled for every
    // modality only when it brings a caption the class still needs
    for (String c : all) {
      int full = fullyLabeled.getOrDefault(c, 0);
      int text = labeledCaptions.getOrDefault(c, 0);
      assertTrue(full >= 3, c + " has its audio labels: " + fullyLabeled);
      assertEquals(Math.min(3, captioned.getOrDefault(c, 0)), text, c + ": " + labeledCaptions);
      assertTrue(full <= 3 + text, c + " has no more audio labels than its budget: " + full);
    }
    assertTrue(
        captions > 100 && captions < 300, "about half the moments have captions: " + captions);
    // the same class's frames vary (motion, pose, noise) and classes differ on average
    Moment a = src.moment(0, 500, 0);
    Moment b = src.moment(0, 501, 0);
    assertNotEquals(a.video().getData(), b.video().getData());
    // class-mean frames differ between classes more than a class's mean differs between halves of
    // its frames
    double[] circle = meanFrame.get("circle");
    double[] star = meanFrame.get("star");
    double d = 0;
    for (int i = 0; i < circle.length; i++) {
      d += Math.abs(circle[i] / count.get("circle") - star[i] / count.get("star"));
    }
    assertTrue(
        d / circle.length > 2, "circle and star frames differ on average: " + d / circle.length);
  }

  @Test
  void unpacedRunUsesIncreasingWallClockEventTimesAndFactoryCreatesByName() {
    CollectingSink sink = new CollectingSink();
    SourceOptions o = SourceOptions.defaults("fast").withRate(0).withMaxMomentsPerStream(50);
    long before = System.currentTimeMillis();
    try (Source src = new SyntheticSource(sink, o, SyntheticOptions.defaults(), speech)) {
      assertEquals(50, src.run().moments());
    }
    long prev = 0;
    for (var f : sink.frames) {
      assertTrue(f.getEventTimeMs() > prev && f.getEventTimeMs() >= before);
      prev = f.getEventTimeMs();
    }
    assertTrue(prev <= System.currentTimeMillis() + 100, "never far in the future");
    try (Source s =
        Sources.create(
            "synthetic", sink, o, java.util.Optional.empty(), AvMnistSource.Split.TRAIN)) {
      assertEquals("synthetic", s.name());
    }
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () ->
            Sources.create(
                "webcam", sink, o, java.util.Optional.empty(), AvMnistSource.Split.TRAIN));
  }

  @Test
  void sameSeedSameScenesAndSpeech() {
    SourceOptions o = SourceOptions.defaults("syn").withRate(0).withSeed(11);
    SyntheticSource a =
        new SyntheticSource(new CollectingSink(), o, SyntheticOptions.defaults(), speech);
    SyntheticSource b =
        new SyntheticSource(new CollectingSink(), o, SyntheticOptions.defaults(), speech);
    for (int i = 0; i < 30; i++) {
      Moment x = a.moment(0, i, i);
      Moment y = b.moment(0, i, i);
      assertEquals(x.className(), y.className());
      assertEquals(x.video().getData(), y.video().getData());
      assertEquals(x.audio().getData(), y.audio().getData());
    }
  }
}
