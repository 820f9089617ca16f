package io.streamalign.eval.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.eval.EvalRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticLinearTest {

  @Test
  void leastSquaresRecoversAnExactLinearMap() {
    Random rnd = new Random(1);
    double[] u = Dense.gaussian(rnd, 5, 1.0);
    double[][] x = new double[30][];
    double[] y = new double[30];
    for (int i = 0; i < 30; i++) {
      x[i] = Dense.gaussian(rnd, 5, 1.0);
      double s = 0;
      for (int j = 0; j < 5; j++) {
        s += u[j] * x[i][j];
      }
      y[i] = s;
    }
    assertArrayEquals(u, Dense.leastSquares(x, y, 0.0), 1e-9);
    double[][] q = Dense.randomOrthogonal(rnd, 6);
    for (int a = 0; a < 6; a++) {
      for (int b = 0; b < 6; b++) {
        double dot = 0;
        for (int i = 0; i < 6; i++) {
          dot += q[i][a] * q[i][b];
        }
        assertEquals(a == b ? 1.0 : 0.0, dot, 1e-12);
      }
    }
  }

  @Test
  void reducedRunReproducesTheRobustFindings() {
    SyntheticLinear.Config paper = SyntheticLinear.Config.paper(false, 1);
    SyntheticLinear.Config small =
        new SyntheticLinear.Config(
            paper.d(),
            paper.n1(),
            paper.n2(),
            paper.sigma(),
            new int[] {25, 40, 100, 400, 2000},
            paper.sigmaW(),
            60,
            7L);
    SyntheticLinear.Result r = SyntheticLinear.compute(small);
    // Monte-Carlo agrees with the exact OLS risk d s^2/(n-d-1) within a few standard errors.
    assertEquals(r.olsRisk(small.n2()), r.supMean(), 5 * r.supSe());
    assertEquals(r.olsRisk(small.n1()), r.srcMean(), 5 * r.srcSe());
    assertTrue(r.findings().get(0).pass(), r.findings().get(0).evidence());
    assertTrue(r.findings().get(1).pass(), r.findings().get(1).evidence());
  }

  @Test
  void runnerWritesTheReport(@TempDir Path out) throws Exception {
    EvalResult res = EvalRunner.run(SyntheticLinear.NAME, EvalOptions.reduced(null, out));
    assertTrue(Files.size(out.resolve("synthetic-linear.md")) > 500);
    assertTrue(Files.size(out.resolve("synthetic-linear.json")) > 500);
    assertTrue(Files.size(out.resolve("synthetic-linear-error.png")) > 5_000);
    // every finding's verdict in the table is the computed one (from the JSON), never a fixed word
    @SuppressWarnings("unchecked")
    java.util.List<java.util.Map<String, Object>> findings =
        (java.util.List<java.util.Map<String, Object>>) res.data().get("findings");
    assertTrue(findings != null && !findings.isEmpty(), "findings in the JSON");
    for (java.util.Map<String, Object> f : findings) {
      String verdict = Boolean.TRUE.equals(f.get("pass")) ? "PASS" : "MISS";
      String row =
          res.table()
              .lines()
              .filter(l -> l.startsWith("| " + f.get("id") + " "))
              .findFirst()
              .orElse("");
      assertTrue(
          row.contains("| " + verdict + " |"),
          "finding " + f.get("id") + " shows " + verdict + ": " + row);
    }
    assertEquals(3, res.files().size());
  }
}
