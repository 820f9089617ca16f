package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The losses against values computed by hand (plain Java doubles) and finite-difference gradients.
 */
class LossesTest {

  static NDManager mgr;

  @BeforeAll
  static void open() {
    mgr = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
  }

  @AfterAll
  static void close() {
    mgr.close();
  }

  // two sources, three targets, unit vectors in R^2
  static final double[][] S = {{1, 0}, {0.6, 0.8}};
  static final double[][] T = {{0.8, 0.6}, {0, 1}, {-1, 0}};
  // source 0 pairs with target 0 (strong); source 1 with targets 1 and 0 (weak group)
  static final double[][] P = {{1, 0, 0}, {1, 1, 0}};

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  static NDArray arr(double[][] m) {
    double[] flat = new double[m.length * m[0].length];
    for (int i = 0; i < m.length; i++)
      System.arraycopy(m[i], 0, flat, i * m[0].length, m[0].length);
    return mgr.create(flat, new Shape(m.length, m[0].length));
  }

  static NDArray arr32(double[][] m) {
    return arr(m).toType(DataType.FLOAT32, false);
  }

  @Test
  void marginMatchesHandComputation() {
    double margin = 0.1;
    double sum = 0;
    int count = 0;
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        if (P[i][j] == 0) continue;
        for (int n = 0; n < 3; n++) {
          if (P[i][n] == 1) continue;
          sum += Math.max(0, margin - dot(S[i], T[j]) + dot(S[i], T[n]));
          count++;
        }
      }
    }
    double expected = sum / count;
    // by hand: s00=.8 s01=0 s02=-1; s10=.96 s11=.8 s12=-.6
    // i=0,j=0: n=1: max(0,.1-.8+0)=0, n=2: 0 -> 0; i=1: j=0,n=2: 0; j=1,n=2: 0 -> all zero but
    // count=4
    assertEquals(0.0, expected, 1e-12);
    float got = Losses.marginAlignment(arr32(S), arr32(T), arr32(P), margin).getFloat();
    assertEquals(expected, got, 1e-6);

    // a harder case where hinges are active: margin 1.5
    double sum2 = 0;
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) {
        if (P[i][j] == 0) continue;
        for (int n = 0; n < 3; n++) {
          if (P[i][n] == 1) continue;
          sum2 += Math.max(0, 1.5 - dot(S[i], T[j]) + dot(S[i], T[n]));
        }
      }
    // i=0: j=0: n=1: 1.5-.8+0=.7, n=2: 1.5-.8-1=-.3->0 ; i=1: j=0,n=2: 1.5-.96-.6=-.06->0 ;
    // j=1,n=2: 1.5-.8-.6=.1
    assertEquals(0.8 / 4, sum2 / 4, 1e-12);
    assertEquals(0.2, Losses.marginAlignment(arr32(S), arr32(T), arr32(P), 1.5).getFloat(), 1e-6);
  }

  @Test
  void infoNceMatchesHandComputation() {
    double tau = 0.5;
    double sum = 0;
    int count = 0;
    for (int i = 0; i < 2; i++) {
      double negSum = 0;
      for (int n = 0; n < 3; n++) if (P[i][n] == 0) negSum += Math.exp(dot(S[i], T[n]) / tau);
      for (int j = 0; j < 3; j++) {
        if (P[i][j] == 0) continue;
        double e = Math.exp(dot(S[i], T[j]) / tau);
        sum += -Math.log(e / (e + negSum));
        count++;
      }
    }
    double expected = sum / count;
    // i=0: -log(e^1.6/(e^1.6+e^0+e^-2)); i=1 (two positives) share negSum = e^-1.2
    double byHand =
        (-Math.log(Math.exp(1.6) / (Math.exp(1.6) + 1 + Math.exp(-2)))
                - Math.log(Math.exp(1.92) / (Math.exp(1.92) + Math.exp(-1.2)))
                - Math.log(Math.exp(1.6) / (Math.exp(1.6) + Math.exp(-1.2))))
            / 3;
    assertEquals(byHand, expected, 1e-12);
    assertEquals(
        expected, Losses.infoNceAlignment(arr32(S), arr32(T), arr32(P), tau).getFloat(), 1e-5);
  }

  @Test
  void prototypeTermsMatchHandComputation() {
    double[][] z = {{0, 0}, {3, 4}};
    double[][] c = {{0, 0}, {3, 4}, {6, 8}};
    double[][] y = {{1, 0, 0}, {0, 0, 1}}; // sample 1's true class is 2
    // distances: row0: 0, 5, 10 ; row1: 5, 0, 5; logits -scale * d (PMR eq. 7; scale 1 = the paper)
    for (double scale : new double[] {1.0, 0.1, 10.0}) {
      double[] p0 = softmax(new double[] {0, -5 * scale, -10 * scale});
      double[] p1 = softmax(new double[] {-5 * scale, 0, -5 * scale});
      double pce = (-Math.log(p0[0]) - Math.log(p1[2])) / 2;
      double ent = (h(p0) + h(p1)) / 2;
      double score = p0[0] + p1[2];
      NDArray zz = arr32(z);
      NDArray cc = arr32(c);
      NDArray yy = arr32(y);
      assertEquals(
          pce,
          Losses.prototypeCrossEntropy(zz, cc, yy, scale).getFloat(),
          1e-4 * Math.max(1, pce),
          "PCE at scale " + scale);
      assertEquals(
          ent, Losses.prototypeEntropy(zz, cc, scale).getFloat(), 1e-5, "H at scale " + scale);
      assertEquals(
          score, Losses.prototypeScore(zz, cc, yy, scale).getFloat(), 1e-5, "s at scale " + scale);
    }
  }

  @Test
  void scaleMakesThePrototypeSoftmaxConfidentOnTheUnitSphere() {
    // unit vectors: a sample exactly on its class's prototype, ten orthogonal prototypes (d = sqrt
    // 2)
    double[][] c = new double[10][10];
    for (int k = 0; k < 10; k++) c[k][k] = 1;
    double[][] z = {c[3].clone()};
    double[][] y = new double[1][10];
    y[0][3] = 1;
    double atOne = Losses.prototypeScore(arr32(z), arr32(c), arr32(y), 1.0).getFloat();
    double atTen = Losses.prototypeScore(arr32(z), arr32(c), arr32(y), 10.0).getFloat();
    assertEquals(1 / (1 + 9 * Math.exp(-Math.sqrt(2))), atOne, 1e-5); // 0.32: barely above 1/10
    assertTrue(atTen > 0.99, "scale 10: " + atTen);
  }

  static double[] softmax(double[] v) {
    double s = 0;
    double[] o = new double[v.length];
    for (int i = 0; i < v.length; i++) s += Math.exp(v[i]);
    for (int i = 0; i < v.length; i++) o[i] = Math.exp(v[i]) / s;
    return o;
  }

  static double h(double[] p) {
    double s = 0;
    for (double x : p) s -= x * Math.log(x);
    return s;
  }

  @Test
  void marginGradientMatchesFiniteDifferences() {
    gradCheck((st) -> Losses.marginAlignment(st[0], st[1], st[2], 0.5));
  }

  @Test
  void infoNceGradientMatchesFiniteDifferences() {
    gradCheck((st) -> Losses.infoNceAlignment(st[0], st[1], st[2], 0.2));
  }

  @Test
  void prototypeCrossEntropyGradientMatchesFiniteDifferences() {
    // z as "source", prototypes as "target"; the mask plays the one-hot
    gradCheck((st) -> Losses.prototypeCrossEntropy(st[0], st[1], st[2], 1.0), true);
    gradCheck((st) -> Losses.prototypeCrossEntropy(st[0], st[1], st[2], 10.0), true);
  }

  private void gradCheck(Function<NDArray[], NDArray> f) {
    gradCheck(f, false);
  }

  /** Analytic gradients (DJL autograd, float64) vs central differences of the same function. */
  private void gradCheck(Function<NDArray[], NDArray> f, boolean oneHotRows) {
    Random r = new Random(3);
    int ns = 3, nt = 4, d = 5;
    double[][] s = new double[ns][d];
    double[][] t = new double[nt][d];
    for (double[] row : s) for (int k = 0; k < d; k++) row[k] = r.nextGaussian() * 0.5;
    for (double[] row : t) for (int k = 0; k < d; k++) row[k] = r.nextGaussian() * 0.5;
    double[][] p = new double[ns][nt];
    if (oneHotRows) {
      for (int i = 0; i < ns; i++) p[i][i] = 1;
    } else {
      p[0][0] = 1;
      p[1][1] = 1;
      p[1][2] = 1;
      p[2][3] = 1;
    }
    try (NDManager sub = mgr.newSubManager()) {
      NDArray sa = arr(s);
      NDArray ta = arr(t);
      NDArray pa = arr(p);
      sa.attach(sub);
      ta.attach(sub);
      pa.attach(sub);
      sa.setRequiresGradient(true);
      ta.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        gc.backward(f.apply(new NDArray[] {sa, ta, pa}));
      }
      double[] gs = sa.getGradient().toDoubleArray();
      double[] gt = ta.getGradient().toDoubleArray();
      double h = 1e-6;
      for (int which = 0; which < 2; which++) {
        double[][] m = which == 0 ? s : t;
        double[] g = which == 0 ? gs : gt;
        for (int i = 0; i < m.length; i++) {
          for (int k = 0; k < d; k++) {
            double old = m[i][k];
            m[i][k] = old + h;
            double up = eval(f, s, t, p, sub);
            m[i][k] = old - h;
            double down = eval(f, s, t, p, sub);
            m[i][k] = old;
            double num = (up - down) / (2 * h);
            assertEquals(
                num,
                g[i * d + k],
                1e-6 + 1e-4 * Math.abs(num),
                "d loss / d " + (which == 0 ? "src" : "tgt") + "[" + i + "][" + k + "]");
          }
        }
      }
    }
  }

  private static double eval(
      Function<NDArray[], NDArray> f, double[][] s, double[][] t, double[][] p, NDManager sub) {
    try (NDManager m = sub.newSubManager()) {
      NDArray a = arr(s), b = arr(t), c = arr(p);
      a.attach(m);
      b.attach(m);
      c.attach(m);
      return f.apply(new NDArray[] {a, b, c}).getDouble();
    }
  }
}
