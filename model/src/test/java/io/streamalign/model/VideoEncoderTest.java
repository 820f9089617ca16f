package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The max-pooled video encoder ({@code videoEncoder=maxpool}) and the new-class imprint's scale
 * (README, "The learner"): what the demo's video rests on.
 */
class VideoEncoderTest {

  private static final int SIDE = 28;

  /** A bright 6x6 square on a dark frame, its top-left corner at (x, y). */
  private static float[] square(int x, int y) {
    float[] f = new float[SIDE * SIDE];
    for (int r = y; r < y + 6; r++) for (int c = x; c < x + 6; c++) f[r * SIDE + c] = 1f;
    return f;
  }

  @Test
  void theMaxPooledEncoderSeesAnObjectAlikeWhereverItIsInTheFrame() {
    LearnerConfig cfg =
        LearnerConfig.defaults().with("device", "cpu").with("videoEncoder", "maxpool");
    try (CrossModalModel m = CrossModalModel.create(cfg)) {
      // a shift by 4 pixels is one cell of the pooled map (both squares clear of the padding of
      // every
      // layer): the same features, pooled the same
      float[][] e = m.embed(Modality.VIDEO, List.of(square(8, 8), square(12, 12)));
      assertArrayEquals(e[0], e[1], 1e-5f);
    }
    LearnerConfig flat = LearnerConfig.defaults().with("device", "cpu");
    try (CrossModalModel m = CrossModalModel.create(flat)) {
      float[][] e = m.embed(Modality.VIDEO, List.of(square(8, 8), square(12, 12)));
      double diff = 0;
      for (int i = 0; i < e[0].length; i++) diff += Math.abs(e[0][i] - e[1][i]);
      assertTrue(diff > 1e-2, "the flattened-map encoder depends on the position: " + diff);
    }
  }

  @Test
  void theVideoEncoderIsNamedInTheConfigAndFlattenIsTheDefault() {
    assertEquals(LearnerConfig.VIDEO_FLATTEN, LearnerConfig.defaults().videoEncoder());
    LearnerConfig c = LearnerConfig.defaults().with("videoEncoder", "maxpool");
    assertEquals(c, LearnerConfig.fromJson(c.toJson()));
    // a config written before the member existed restores the encoder it was trained with
    assertEquals(
        LearnerConfig.VIDEO_FLATTEN,
        LearnerConfig.fromJson("{\"embeddingDim\": 128}").videoEncoder());
    assertThrows(
        IllegalArgumentException.class,
        () -> LearnerConfig.defaults().with("videoEncoder", "avgpool"));
    try (CrossModalModel m = CrossModalModel.create(c.with("device", "cpu"))) {
      assertTrue(m.params.containsKey("video.c3.w"));
    }
    try (CrossModalModel m =
        CrossModalModel.create(LearnerConfig.defaults().with("device", "cpu"))) {
      assertFalse(m.params.containsKey("video.c3.w"));
    }
  }

  /**
   * Bunched embeddings (a fresh max-pooled encoder maps noise frames close together) must not give
   * a new class a classifier row far above the learned ones: that runaway took the supervised loss
   * to 10^6 on the demo's stream. Steps are made tiny so that the rows after learn() are the
   * imprint's.
   */
  @Test
  void aNewClassIsNotImprintedAboveTheScaleOfTheRowsAlreadyLearned() {
    LearnerConfig cfg =
        LearnerConfig.defaults()
            .with("device", "cpu")
            .with("videoEncoder", "maxpool")
            .with("learningRate", 1e-9)
            .with("innerLearningRate", 1e-9)
            .with("metaStepSize", 1e-9);
    Random r = new Random(3);
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      l.learn(videoBatch("a", 16, r));
      l.learn(videoBatch("b", 16, r));
      float[] w = l.params.get("phi.w").toFloatArray();
      int d = cfg.embeddingDim();
      double a = norm(w, 0, d);
      double b = norm(w, 1, d);
      assertTrue(b <= a * 1.001, "new row " + b + " vs learned row " + a);
      assertTrue(b >= a * 0.999, "new row at the learned rows' scale: " + b + " vs " + a);
    }
  }

  private static double norm(float[] w, int row, int d) {
    double s = 0;
    for (int i = row * d; i < (row + 1) * d; i++) s += w[i] * w[i];
    return Math.sqrt(s);
  }

  private static List<Sample> videoBatch(String label, int n, Random r) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] f = new float[SIDE * SIDE];
      for (int j = 0; j < f.length; j++) f[j] = (float) r.nextGaussian();
      out.add(
          new Sample(
              label + i,
              "s",
              i,
              Map.of(Modality.VIDEO, f),
              label,
              EnumSet.of(Modality.VIDEO),
              label));
    }
    return out;
  }
}
