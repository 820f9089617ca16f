package io.streamalign.eval.pmr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PmrCgMnistTest {

  @Test
  void tinyRunWritesTableJsonAndPlot(@TempDir Path out) throws Exception {
    Path data = TestData.dir();
    PmrCgMnist.Settings tiny =
        new PmrCgMnist.Settings(192, 200, 1, 64, 1e-2, 1e-3, 2.0, 1e-2, 1, 0.2, 0.1, 5L);
    List<PmrCgMnist.Row> rows =
        List.of(
            new PmrCgMnist.Row("Gray only", CgNet.Kind.GRAY, PmrCgMnist.Mode.NONE, 99.3),
            new PmrCgMnist.Row("Concatenation", CgNet.Kind.CONCAT, PmrCgMnist.Mode.NONE, 58.4),
            new PmrCgMnist.Row(
                "Concatenation + PMR", CgNet.Kind.CONCAT, PmrCgMnist.Mode.PMR, 77.2));
    EvalResult r = new PmrCgMnist(tiny, rows).run(new EvalOptions(data, false, 2, out));
    assertTrue(Files.readString(out.resolve("pmr-cgmnist.md")).contains("| Concatenation + PMR |"));
    assertTrue(Files.readString(out.resolve("pmr-cgmnist.json")).contains("\"testAccPerEpoch\""));
    assertTrue(Files.size(out.resolve("pmr-cgmnist-accuracy.png")) > 5_000);
    // the paper column comes from the row given (not a number printed by the protocol itself)
    assertTrue(
        r.table()
            .lines()
            .anyMatch(l -> l.startsWith("| Concatenation + PMR |") && l.contains("| 77.2 |")),
        r.table());
    assertEquals(3, r.files().size());
    @SuppressWarnings("unchecked")
    List<java.util.Map<String, Object>> json =
        (List<java.util.Map<String, Object>>) r.data().get("rows");
    java.util.Map<String, Double> means = new java.util.HashMap<>();
    for (var row : json) {
      double acc = (Double) row.get("testAccMean");
      assertTrue(acc >= 0 && acc <= 100, "accuracy " + acc);
      assertEquals(2, ((List<?>) row.get("runs")).size(), "one run per seed");
      assertTrue((Double) row.get("testAccCi95") >= 0, "two seeds give an interval");
      means.put((String) row.get("method"), acc);
    }
    // one paired comparison: the PMR row against the same fusion without PMR (not gray only)
    @SuppressWarnings("unchecked")
    List<java.util.Map<String, Object>> cmp =
        (List<java.util.Map<String, Object>>) r.data().get("comparisons");
    assertEquals(1, cmp.size(), cmp.toString());
    assertEquals("Concatenation + PMR", cmp.get(0).get("a"));
    assertEquals("Concatenation", cmp.get(0).get("b"));
    double d = means.get("Concatenation + PMR") - means.get("Concatenation");
    assertEquals(d, (Double) cmp.get(0).get("mean"), 1e-9);
    assertTrue(
        (Double) cmp.get(0).get("lo") <= d && d <= (Double) cmp.get(0).get("hi"), cmp.toString());
    assertTrue(r.table().contains("| Concatenation + PMR − Concatenation |"), r.table());
  }
}
