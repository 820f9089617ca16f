package io.streamalign.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Class-dependent random inputs for contract tests (not for accuracy claims: those use real data).
 */
final class Synthetic {

  private Synthetic() {}

  /**
   * A small-shaped config (12x12 frames, 8x16 log-mel, 64 tokens, d=16) so contract tests run fast.
   */
  static LearnerConfig tiny() {
    return LearnerConfig.defaults()
        .with(
            java.util.Map.of(
                "videoHeight",
                "12",
                "videoWidth",
                "12",
                "audioMelBands",
                "8",
                "audioFrames",
                "16",
                "textVocab",
                "64",
                "embeddingDim",
                "16",
                "device",
                "cpu",
                "prototypeEvery",
                "32"));
  }

  static float[] features(LearnerConfig cfg, Modality m, int cls, Random r) {
    int n = cfg.featureSize(m);
    float[] v = new float[n];
    Random pattern = new Random(1000L * (m.ordinal() + 1) + cls);
    for (int i = 0; i < n; i++) v[i] = (float) (pattern.nextGaussian() + 0.8 * r.nextGaussian());
    return v;
  }

  static List<Sample> batch(
      LearnerConfig cfg,
      int size,
      int classes,
      Random r,
      Set<Modality> mods,
      Set<Modality> labeled) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int c = r.nextInt(classes);
      Map<Modality, float[]> f = new EnumMap<>(Modality.class);
      for (Modality m : mods) f.put(m, features(cfg, m, c, r));
      String id = "s" + r.nextLong();
      out.add(new Sample(id, "stream", i, f, "c" + c, labeled, "c" + c));
    }
    return out;
  }

  static List<Sample> avBatch(LearnerConfig cfg, int size, int classes, Random r) {
    Set<Modality> av = EnumSet.of(Modality.VIDEO, Modality.AUDIO);
    return batch(cfg, size, classes, r, av, av);
  }
}
