package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Degenerate inputs the live streams do produce (a blank camera frame, digital silence) must not
 * blow the encoders up. A freshly initialized encoder (zero biases) maps an all-zero input to the
 * zero vector, where the L2 normalization's gradient is as large as 1 / its epsilon: before the fix
 * one supervised step with such a sample moved the video encoder's weights from ~1 to ~10^6-10^7,
 * and the learner was stuck on non-finite losses for the rest of the demo.
 */
class StabilityTest {

  static double maxAbs(CrossModalLearner l, String prefix) {
    double mx = 0;
    for (Map.Entry<String, ai.djl.ndarray.NDArray> e : l.params.entrySet()) {
      if (!e.getKey().startsWith(prefix)) continue;
      for (float v : e.getValue().toFloatArray()) mx = Math.max(mx, Math.abs(v));
    }
    return mx;
  }

  @Test
  void blankFramesAndSilenceDoNotBlowUpTheEncoders() {
    double[] grown = run(Synthetic.tiny());
    assertTrue(grown[0] < 3, "video encoder weights grew " + grown[0] + "x");
    assertTrue(grown[1] < 3, "audio encoder weights grew " + grown[1] + "x");
  }

  /**
   * The same stream without gradient clipping: the zero embeddings' 10^6 Jacobian does blow it up.
   */
  @Test
  void withoutClippingTheSameStreamBlowsUp() {
    double[] grown = run(Synthetic.tiny().with(Map.of("gradClipNorm", "0")));
    assertTrue(grown[0] > 10, "video encoder weights grew only " + grown[0] + "x without clipping");
  }

  /**
   * Max |weight| growth factors (video, audio) over a stream with blank frames and silent clips.
   */
  private static double[] run(LearnerConfig cfg) {
    Set<Modality> av = EnumSet.of(Modality.VIDEO, Modality.AUDIO);
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      double v0 = maxAbs(l, "video."), a0 = maxAbs(l, "audio.");
      Random r = new Random(5);
      // the very first step sees video alone (no pair: no alignment step moves the zero biases
      // first)
      List<Sample> first = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int c = i % 3;
        Map<Modality, float[]> f = new EnumMap<>(Modality.class);
        f.put(
            Modality.VIDEO,
            i % 2 == 0
                ? new float[cfg.featureSize(Modality.VIDEO)]
                : Synthetic.features(cfg, Modality.VIDEO, c, r));
        first.add(
            new Sample("f" + i, "stream", i, f, "c" + c, EnumSet.of(Modality.VIDEO), "c" + c));
      }
      assertEquals(0, l.learn(first).skippedNonFinite());
      for (int step = 0; step < 6; step++) {
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          int c = r.nextInt(3);
          Map<Modality, float[]> f = new EnumMap<>(Modality.class);
          boolean blank = i % 4 == 0;
          f.put(
              Modality.VIDEO,
              blank
                  ? new float[cfg.featureSize(Modality.VIDEO)]
                  : Synthetic.features(cfg, Modality.VIDEO, c, r));
          f.put(
              Modality.AUDIO,
              i % 5 == 0
                  ? new float[cfg.featureSize(Modality.AUDIO)]
                  : Synthetic.features(cfg, Modality.AUDIO, c, r));
          batch.add(new Sample("b" + step + "-" + i, "stream", i, f, "c" + c, av, "c" + c));
        }
        l.learn(batch);
      }
      double v1 = maxAbs(l, "video."), a1 = maxAbs(l, "audio.");
      return new double[] {v1 / v0, a1 / a0};
    }
  }
}
