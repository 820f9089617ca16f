package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The learner wires the objectives as the method says: PMR's gradients reach the encoders, PMR sees
 * samples labelled in one modality only, and every labelled sample of a batch enters the
 * prototypes.
 */
class LearnerMethodTest {

  static final Set<Modality> AV = EnumSet.of(Modality.VIDEO, Modality.AUDIO);

  static Map<String, float[]> encoders(CrossModalLearner l) {
    Map<String, float[]> out = new java.util.TreeMap<>();
    l.params.forEach(
        (k, v) -> {
          if (k.startsWith("video.") || k.startsWith("audio.")) out.put(k, v.toFloatArray());
        });
    return out;
  }

  static void train(CrossModalLearner l, long seed, List<StepReport> reports) {
    Random r = new Random(seed);
    for (int i = 0; i < 6; i++) reports.add(l.learn(Synthetic.avBatch(l.config(), 24, 3, r)));
  }

  /**
   * Two learners with the same seed and stream, one with PMR (clip rule, alpha 2) and one without
   * (rule none): PMR's terms depend only on the embeddings, so the encoders differ exactly when
   * PMR's gradients reach them. A control pair with the same config stays bit-identical (the
   * comparison is deterministic). Catches: PMR term removed, PMR detached from the encoders
   * (stopGradient on z).
   */
  @Test
  void pmrGradientsReachTheEncoders() {
    LearnerConfig base =
        Synthetic.tiny().with("pmrAlpha", 2.0).with("pmrMu", 0.01).with("innerSteps", 1);
    List<StepReport> withPmr = new ArrayList<>();
    try (CrossModalLearner a = CrossModalLearner.create(base);
        CrossModalLearner a2 = CrossModalLearner.create(base);
        CrossModalLearner b =
            CrossModalLearner.create(base.with("pmrRule", LearnerConfig.PMR_NONE))) {
      train(a, 7, withPmr);
      train(a2, 7, new ArrayList<>());
      train(b, 7, new ArrayList<>());
      assertTrue(
          withPmr.stream().anyMatch(rep -> rep.losses().getOrDefault("pce", 0.0) > 0),
          "PCE was active");
      Map<String, float[]> ea = encoders(a);
      Map<String, float[]> ea2 = encoders(a2);
      Map<String, float[]> eb = encoders(b);
      for (String k : ea.keySet())
        assertArrayEquals(ea.get(k), ea2.get(k), 0f, "control: " + k + " deterministic");
      double diff = 0;
      for (String k : ea.keySet()) {
        float[] x = ea.get(k);
        float[] y = eb.get(k);
        for (int i = 0; i < x.length; i++) diff += Math.abs(x[i] - y[i]);
      }
      assertTrue(diff > 1e-4, "PMR changed the encoders (sum |diff| = " + diff + ")");
    }
  }

  /**
   * Samples labelled in a single modality (half the batch labelled for video only, half for audio
   * only, none for both) still take part in PMR: rho is reported once every class has prototypes.
   * Catches: PMR restricted to samples labelled in two or more modalities.
   */
  @Test
  void pmrSeesSamplesLabelledInOneModality() {
    LearnerConfig cfg = Synthetic.tiny().with("innerSteps", 1);
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(3);
      boolean rho = false;
      for (int i = 0; i < 4; i++) {
        List<Sample> batch = new ArrayList<>();
        batch.addAll(Synthetic.batch(cfg, 12, 3, r, AV, EnumSet.of(Modality.VIDEO)));
        batch.addAll(Synthetic.batch(cfg, 12, 3, r, AV, EnumSet.of(Modality.AUDIO)));
        StepReport rep = l.learn(batch);
        rho |= !Double.isNaN(rep.rho());
      }
      assertTrue(rho, "rho computed from singly labelled samples");
    }
  }

  /**
   * Every labelled sample of the memory enters the prototypes (PMR eq. 6), per modality it is
   * labelled in; unlabelled modalities do not. Catches: prototypes from a subset of the batch or
   * the replay.
   */
  @Test
  void everyLabelledSampleEntersThePrototypes() {
    LearnerConfig cfg = Synthetic.tiny().with("innerSteps", 1);
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(4);
      List<Sample> batch = Synthetic.batch(cfg, 20, 2, r, AV, EnumSet.of(Modality.VIDEO));
      l.learn(batch);
      for (String c : List.of("c0", "c1")) {
        long n = batch.stream().filter(s -> c.equals(s.label())).count();
        assertEquals(n, l.model.prototypes.count(Modality.VIDEO, c), c + " video");
        assertEquals(0, l.model.prototypes.count(Modality.AUDIO, c), c + " audio is not labelled");
      }
      assertFalse(l.model.prototypes.has(Modality.AUDIO, "c0"));
    }
  }
}
