package io.streamalign.eval.fewshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.features.data.DataDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FewShotImageToAudioTest {

  @Test
  @SuppressWarnings("unchecked")
  void tinyRunWritesReportWithValidAccuracies(@TempDir Path out) throws Exception {
    var dir = DataDir.find();
    Assumptions.assumeTrue(dir.isPresent(), DataDir.notFoundMessage());
    var tiny = new FewShotImageToAudio.Settings(64, 32, 2, new int[] {1}, 2, 3L, new int[] {0, 2});
    EvalResult r = new FewShotImageToAudio(tiny).run(new EvalOptions(dir.get(), false, 2, out));
    assertEquals(3, r.files().size());
    String md = Files.readString(out.resolve("fewshot-image-to-audio.md"));
    for (String row : FewShotImageToAudio.ROWS) {
      assertTrue(md.contains("| " + row + " |"), row + " missing:\n" + md);
    }
    assertTrue(md.contains("Few-shot cross-modal retrieval"), md);
    List<Object> retrieval = (List<Object>) r.data().get("retrieval");
    assertEquals(2 * FewShotImageToAudio.RETRIEVAL_ROWS.size(), retrieval.size());
    for (Object o : retrieval) {
      Map<String, Object> row = (Map<String, Object>) o;
      double r1 = (Double) ((Map<String, Object>) row.get("R@1")).get("mean");
      double r5 = (Double) ((Map<String, Object>) row.get("R@5")).get("mean");
      double r10 = (Double) ((Map<String, Object>) row.get("R@10")).get("mean");
      double rank = (Double) ((Map<String, Object>) row.get("medianRank")).get("mean");
      assertTrue(
          0 <= r1 && r1 <= r5 && r5 <= r10 && r10 <= 100,
          "recall@k not monotone in [0, 100]: " + row);
      assertTrue(rank >= 1 && rank <= 300, "median rank " + rank);
      assertEquals(
          rank <= 1, r1 >= 50, "median rank 1 iff at least half the queries hit at 1: " + row);
    }
    assertTrue(Files.size(out.resolve("fewshot-image-to-audio-accuracy.png")) > 5_000);
    Map<String, Double> means = new java.util.HashMap<>();
    for (Object row : (List<Object>) r.data().get("rows")) {
      Map<String, Object> one = (Map<String, Object>) ((Map<String, Object>) row).get("1-shot");
      double mean = (Double) one.get("mean");
      assertTrue(mean >= 0 && mean <= 100, "accuracy " + mean);
      // every task's accuracy is kept (2 seeds x 2 tasks), and the per-seed values are their means
      List<Double> values = (List<Double>) one.get("values");
      double[] perSeed = (double[]) one.get("perSeed");
      assertEquals(4, values.size());
      assertEquals(2, perSeed.length);
      assertEquals((values.get(0) + values.get(1)) / 2, perSeed[0], 1e-9);
      assertEquals((values.get(2) + values.get(3)) / 2, perSeed[1], 1e-9);
      assertEquals((perSeed[0] + perSeed[1]) / 2, mean, 1e-9);
      assertTrue((Double) one.get("ci95") >= 0, "a 2-seed interval exists: " + one);
      means.put((String) ((Map<String, Object>) row).get("method"), mean);
    }
    // paired differences over seeds: the mean difference is the difference of the means
    List<Object> cmp = (List<Object>) r.data().get("comparisons");
    assertEquals(FewShotImageToAudio.COMPARISONS.size(), cmp.size());
    for (Object o : cmp) {
      Map<String, Object> c = (Map<String, Object>) o;
      double d = means.get((String) c.get("a")) - means.get((String) c.get("b"));
      assertEquals(d, (Double) c.get("mean"), 1e-9, c.toString());
      assertTrue((Double) c.get("lo") <= d && d <= (Double) c.get("hi"), c.toString());
    }
    assertTrue(md.contains("### Paired differences"), md);
  }
}
