package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values and gradients of the learner's objectives on small fixed tensors, against numbers computed
 * independently from the papers' equations by {@code
 * src/test/resources/reference/objectives_reference.py} (PyTorch, float64; run it with
 * /usr/bin/python3 to regenerate). Each test names the breakage of the method it catches.
 */
class ObjectiveValuesTest {

  static NDManager mgr;

  @BeforeAll
  static void open() {
    mgr = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
  }

  @AfterAll
  static void close() {
    mgr.close();
  }

  static NDArray leaf(NDManager m, float[] v, int rows, int cols) {
    NDArray a = m.create(v, new Shape(rows, cols));
    a.setRequiresGradient(true);
    return a;
  }

  static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++)
      assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
  }

  // z0, z1 (3 x 2), prototypes (2 x 2), labels (0, 1, 0): modality 0 is the slow one (rho < 1)
  static final float[] Z0 = {0.2f, 0.1f, 0.9f, 0.8f, 0.5f, -0.3f};
  static final float[] Z1 = {0.1f, 0.0f, 1.0f, 1.1f, -0.1f, 0.1f};
  static final float[] C = {0f, 0f, 1f, 1f};
  static final float[] Y = {1, 0, 0, 1, 1, 0};

  /** PMR terms with PER (warm-up) and without; returns {loss, grad z0, grad z1} and the result. */
  static Object[] pmr(boolean warmup) {
    try (NDManager m = mgr.newSubManager()) {
      NDArray z0 = leaf(m, Z0, 3, 2);
      NDArray z1 = leaf(m, Z1, 3, 2);
      NDArray c = m.create(C, new Shape(2, 2));
      NDArray y = m.create(Y, new Shape(3, 2));
      PmrObjective.Result r;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        r =
            new PmrObjective(LearnerConfig.PMR_CLIP, 2.0, 0.1, 1.0)
                .apply(
                    List.of(new PmrObjective.Input(z0, c, y), new PmrObjective.Input(z1, c, y)),
                    warmup);
        gc.backward(r.loss());
      }
      return new Object[] {
        r.loss().getFloat(), z0.getGradient().toFloatArray(), z1.getGradient().toFloatArray(), r
      };
    }
  }

  /**
   * PMR eqs. 7-13 (two modalities, warm-up): s_m, rho, beta = clip(1/rho - 1), the loss
   * alpha*beta*PCE_0 - mu*beta*H_1 and its gradients. Catches: PMR term removed (loss 0 or null),
   * PER sign flipped (loss 0.0715, z1's gradient negated), PCE on the wrong modality (z0's gradient
   * 0, z1's not), PMR detached from the embeddings (zero gradients).
   */
  @Test
  void pmrWithPerMatchesReference() {
    Object[] o = pmr(true);
    PmrObjective.Result r = (PmrObjective.Result) o[3];
    assertArrayEquals(new double[] {0.71549687, 0.78632318}, r.s(), 1e-6, "s_m (eq. 8, means)");
    assertEquals(0.90992722, r.rho(), 1e-6, "rho (eq. 8)");
    assertArrayEquals(
        new double[] {0.09898899, 0.0}, r.coefficients().kappa(), 1e-6, "beta, gamma (eq. 11)");
    assertEquals(0.06119996, (float) o[0], 2e-6, "alpha beta PCE_0 - mu beta H_1");
    assertClose(
        new double[] {0.02806076, 0.02150515, -0.02150515, -0.02806076, 0.02472129, 0.00851192},
        (float[]) o[1],
        2e-6,
        "dL/dz0 (PCE on the slow modality 0)");
    assertClose(
        new double[] {-0.00119024, -0.00053009, 0.00049234, -0.00019034, -4.806e-05, -0.00096359},
        (float[]) o[2],
        2e-6,
        "dL/dz1 (PER on the dominant modality 1)");
    assertTrue(r.per() < 0, "PER lowers the loss (minus the entropy, eq. 13)");
  }

  /**
   * Outside the warm-up: no PER, z1 gets no gradient. Catches: PER applied outside the warm-up, PCE
   * on the wrong modality.
   */
  @Test
  void pmrWithoutPerMatchesReference() {
    Object[] o = pmr(false);
    assertEquals(0.06633242, (float) o[0], 2e-6, "alpha beta PCE_0");
    assertClose(
        new double[] {0.02806076, 0.02150515, -0.02150515, -0.02806076, 0.02472129, 0.00851192},
        (float[]) o[1],
        2e-6,
        "dL/dz0");
    assertClose(new double[6], (float[]) o[2], 1e-9, "dL/dz1 (modality 1 is the fast one: no PCE)");
  }

  /** rule "none": no term at all. */
  @Test
  void pmrNoneHasNoTerm() {
    try (NDManager m = mgr.newSubManager()) {
      NDArray c = m.create(C, new Shape(2, 2));
      NDArray y = m.create(Y, new Shape(3, 2));
      PmrObjective.Result r =
          new PmrObjective(LearnerConfig.PMR_NONE, 2.0, 0.1, 1.0)
              .apply(
                  List.of(
                      new PmrObjective.Input(m.create(Z0, new Shape(3, 2)), c, y),
                      new PmrObjective.Input(m.create(Z1, new Shape(3, 2)), c, y)),
                  true);
      assertNull(r.loss());
    }
  }

  /**
   * CroMA eqs. 2-3 with margin 0.1 on unit vectors, strong pairs (i, i) and the weak pairs (0, 2),
   * (2, 0): loss 0.05 and its gradients; with the strong pairs alone the loss would be 0.1767.
   * Catches: weak pairs dropped from the loss, a wrong sign or margin.
   */
  @Test
  void marginAlignmentWithWeakPairsMatchesReference() {
    try (NDManager m = mgr.newSubManager()) {
      NDArray es = leaf(m, new float[] {1f, 0f, 0f, 1f, 0.6f, 0.8f}, 3, 2);
      NDArray et = leaf(m, new float[] {0.8f, 0.6f, 0f, 1f, 1f, 0f}, 3, 2);
      NDArray pos = m.create(new float[] {1, 0, 1, 0, 1, 0, 1, 0, 1}, new Shape(3, 3));
      float loss;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray l = Losses.marginAlignment(es, et, pos, 0.1);
        gc.backward(l);
        loss = l.getFloat();
      }
      assertEquals(0.05, loss, 1e-6);
      assertClose(
          new double[] {0, 0, 0, 0, -0.16666667, 0.16666667},
          es.getGradient().toFloatArray(),
          1e-6,
          "dL/des");
      assertClose(
          new double[] {0, 0, 0.1, 0.13333333, -0.1, -0.13333333},
          et.getGradient().toFloatArray(),
          1e-6,
          "dL/det");
      NDArray strong = m.create(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new Shape(3, 3));
      assertEquals(
          0.17666667,
          Losses.marginAlignment(es.stopGradient(), et.stopGradient(), strong, 0.1).getFloat(),
          1e-6);
    }
  }

  static Sample sample(String id, String group, Modality... mods) {
    Map<Modality, float[]> f = new LinkedHashMap<>();
    for (Modality mo : mods) f.put(mo, new float[] {0});
    return new Sample(id, "s", 0, f, null, Set.of(), group);
  }

  /**
   * The positive pairs of CroMA's alignment task: strong (same sample, eq. 2) and weak (same
   * concept group, eq. 3) pairs, everything else negative. Catches: weak pairs dropped, strong
   * pairs dropped.
   */
  @Test
  void alignmentPositivesAreStrongAndWeakPairs() {
    Sample a = sample("a", "one", Modality.VIDEO, Modality.AUDIO);
    Sample b = sample("b", "one", Modality.VIDEO, Modality.AUDIO);
    Sample c = sample("c", "two", Modality.VIDEO, Modality.AUDIO);
    Sample d = sample("d", null, Modality.VIDEO, Modality.AUDIO);
    float[] pos = AlignmentObjective.positives(List.of(a, b, c, d), List.of(a, b, c, d));
    assertArrayEquals(
        new float[] {
          1, 1, 0, 0,
          1, 1, 0, 0,
          0, 0, 1, 0,
          0, 0, 0, 1
        },
        pos);
  }

  /**
   * A batch whose concept group has no partner in the batch still gets weak pairs from the replay's
   * group reservoir (X_s x X_t of eq. 3). Catches: weak pairs not drawn from the replay.
   */
  @Test
  void alignmentTaskDrawsWeakPartnersFromReplay() {
    LearnerConfig cfg = LearnerConfig.defaults();
    ReplayBuffer replay = new ReplayBuffer(10, 1, new Random(1));
    for (int i = 0; i < 5; i++)
      replay.add(List.of(sample("old" + i, "one", Modality.VIDEO, Modality.AUDIO)));
    Sample fresh = sample("new", "one", Modality.VIDEO, Modality.AUDIO);
    AlignmentObjective.Task t =
        new AlignmentObjective(cfg).task(List.of(fresh), Modality.VIDEO, Modality.AUDIO, replay);
    assertNotNull(t);
    assertEquals(2, t.sources().size(), "the batch sample and a replayed member of its group");
    assertEquals(2, t.targets().size());
    assertArrayEquals(
        new float[] {1, 1, 1, 1}, t.positives(), "strong pairs and the weak pairs across them");
  }

  /**
   * Reptile (CroMA Algorithm 1): three fresh-Adam (lr 0.1) inner steps on sum((w - t)^2), then meta
   * + 0.3 * (adapted - meta); parameters outside the task untouched. Catches: no outer step (meta
   * unchanged or set to the adapted values), a wrong step size, an inner loop of one step.
   */
  @Test
  void reptileStepMatchesReference() {
    try (NDManager base = mgr.newSubManager()) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      params.put("w", base.create(new float[] {1f, -2f, 0.5f}));
      params.put("other", base.create(new float[] {7f}));
      NDArray target = base.create(new float[] {3f, 0.5f, 0.5f});
      ReptileStep step = new ReptileStep(0.3, 3, () -> new InnerAdam(0.1f), new Autograd(0));
      step.captureAdapted = true;
      Double loss =
          step.run(
              base,
              params,
              List.of("w"),
              (view, sub) -> view.get("w").sub(target).square().sum(),
              "test");
      assertNotNull(loss);
      assertClose(
          new double[] {1.29937661, -1.70047393, 0.5}, step.lastAdapted.get("w"), 1e-5, "adapted");
      assertClose(
          new double[] {1.08981298, -1.91014218, 0.5},
          params.get("w").toFloatArray(),
          1e-5,
          "meta after the outer step");
      assertArrayEquals(new float[] {7f}, params.get("other").toFloatArray());
    }
  }

  /**
   * PMR eq. 12 over every observed sample: a class's first centroid is the mean of its first rows;
   * after more rows, refresh(0.2) gives 0.2 * old + 0.8 * mean(new rows). Catches: no momentum
   * (centroid = new mean), momentum on the wrong side (0.8 old), a subset instead of every row.
   */
  @Test
  void prototypeMomentumOverEveryObservedSample() {
    PrototypeBank<String> bank = new PrototypeBank<>(2);
    bank.observe("m", List.of("k", "k"), new float[] {0f, -1f, 2f, -3f});
    assertArrayEquals(
        new float[] {1f, -2f}, bank.get("m", "k"), "first centroid: the mean (eq. 6)");
    bank.observe("m", List.of("k", "k", "k"), new float[] {3f, 2f, 5f, 0f, 1f, 4f});
    assertArrayEquals(new float[] {1f, -2f}, bank.get("m", "k"), "unchanged until refreshed");
    bank.refresh(0.2);
    assertArrayEquals(
        new float[] {2.6f, 1.2f}, bank.get("m", "k"), 1e-6f, "eq. 12 (reference: proto.momentum)");
    assertEquals(5, bank.count("m", "k"), "every observed sample counted");
    bank.refresh(0.2);
    assertArrayEquals(new float[] {2.6f, 1.2f}, bank.get("m", "k"), 1e-6f, "no new rows: kept");
  }

  @Test
  void pmrNeedsTwoModalities() {
    Set<Modality> one = EnumSet.of(Modality.VIDEO);
    assertTrue(one.size() == 1);
    try (NDManager m = mgr.newSubManager()) {
      NDArray c = m.create(C, new Shape(2, 2));
      NDArray y = m.create(Y, new Shape(3, 2));
      org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class,
          () ->
              new PmrObjective(LearnerConfig.PMR_CLIP, 1, 0, 1)
                  .apply(
                      List.of(new PmrObjective.Input(m.create(Z0, new Shape(3, 2)), c, y)), true));
    }
  }
}
