package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rule for a modality given alone (README, "The learner"): a non-source modality with a
 * prototype for every class is classified by PMR eq. 7, the softmax over {@code -scale * ||e -
 * c_k||} to its own prototypes; the source modality by phi. Expected values are computed here in
 * plain Java from the model's embeddings and prototypes, not by the model's code.
 */
class AloneRuleTest {

  static final Set<Modality> AUDIO = EnumSet.of(Modality.AUDIO);
  static final Set<Modality> VIDEO = EnumSet.of(Modality.VIDEO);

  @Test
  void aNonSourceModalityAloneIsClassifiedByEq7OverItsOwnPrototypes() {
    LearnerConfig cfg = Synthetic.tiny();
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(5);
      for (int i = 0; i < 4; i++) l.learn(Synthetic.avBatch(cfg, 24, 4, r));
      CrossModalModel m = l.model();
      List<String> classes = m.classes();
      assertEquals(4, classes.size());
      List<Sample> probes = Synthetic.batch(cfg, 12, 4, r, AUDIO, Set.of());
      List<float[]> inputs = new ArrayList<>();
      for (Sample s : probes) inputs.add(s.features().get(Modality.AUDIO));
      float[][] e = m.embed(Modality.AUDIO, inputs);
      List<Inference> got = m.predictBatch(probes);
      for (int i = 0; i < probes.size(); i++) {
        double[] logits = new double[classes.size()];
        for (int k = 0; k < classes.size(); k++) {
          float[] c = m.prototypes.get(Modality.AUDIO, classes.get(k));
          double d = 0;
          for (int j = 0; j < c.length; j++) d += (e[i][j] - c[j]) * (e[i][j] - c[j]);
          logits[k] = -cfg.pmrScale() * Math.sqrt(d + 1e-12);
        }
        double max = java.util.Arrays.stream(logits).max().orElseThrow();
        double z = 0;
        int best = 0;
        for (int k = 0; k < logits.length; k++) {
          z += Math.exp(logits[k] - max);
          if (logits[k] > logits[best]) best = k;
        }
        assertEquals(classes.get(best), got.get(i).label(), "probe " + i);
        assertEquals(1 / z, got.get(i).score(), 1e-4, "probe " + i + " eq. 7 probability");
      }
    }
  }

  @Test
  void theSourceModalityAloneIsClassifiedByPhi() {
    LearnerConfig cfg = Synthetic.tiny();
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(6);
      for (int i = 0; i < 3; i++) l.learn(Synthetic.avBatch(cfg, 24, 4, r));
      CrossModalModel m = l.model();
      List<Sample> probes = Synthetic.batch(cfg, 8, 4, r, VIDEO, Set.of());
      List<float[]> inputs = new ArrayList<>();
      for (Sample s : probes) inputs.add(s.features().get(Modality.VIDEO));
      float[][] e = m.embed(Modality.VIDEO, inputs);
      List<Inference> got = m.predictBatch(probes);
      for (int i = 0; i < probes.size(); i++) {
        assertEquals(phiLabel(m, l, e[i]), got.get(i).label(), "probe " + i);
      }
    }
  }

  /**
   * argmax of phi's logits W (L e) + b (L = Nets.LOGIT_SCALE), in plain Java from the parameters.
   */
  static String phiLabel(CrossModalModel m, CrossModalLearner l, float[] e) {
    Map<String, ai.djl.ndarray.NDArray> p = l.params;
    float[] w = p.get("phi.w").toFloatArray();
    float[] b = p.get("phi.b").toFloatArray();
    int d = e.length;
    int best = 0;
    double bestV = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < m.classes().size(); k++) {
      double v = b[k];
      for (int j = 0; j < d; j++) v += w[k * d + j] * Nets.LOGIT_SCALE * e[j];
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    return m.classes().get(best);
  }
}
