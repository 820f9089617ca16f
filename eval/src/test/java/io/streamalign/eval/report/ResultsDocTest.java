package io.streamalign.eval.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsDocTest {

  @Test
  void acceptanceIsComputedFromTheJsonAndPlotsAreLinked(@TempDir Path tmp) throws Exception {
    Path runs = tmp.resolve("eval/results/full");
    Path pmr = Files.createDirectories(runs.resolve("pmr-cgmnist"));
    Files.writeString(
        pmr.resolve("pmr-cgmnist.md"), "# pmr-cgmnist — x\n\nPlot: `pmr-cgmnist-accuracy.png`.\n");
    Files.writeString(
        pmr.resolve("pmr-cgmnist.json"),
        """
                {"rows": [{"fusion": "CONCAT", "pmr": "NONE", "testAccMean": 50.0},
                          {"fusion": "CONCAT", "pmr": "PMR", "testAccMean": 55.0}],
                 "seconds": 12.0, "machine": {"date": "2026-11-23T15:00:00Z", "cores": 2, "os.name": "Linux", "java.version": "17"}}
                """);
    Files.writeString(pmr.resolve("NOTES.md"), "Tried a larger run.\n");
    Path study = Files.createDirectories(runs.resolve("pmr-cgmnist-2000x10ep"));
    Files.writeString(
        study.resolve("pmr-cgmnist.md"),
        "# pmr-cgmnist — study\n\nPlot: `pmr-cgmnist-accuracy.png`.\n");
    Path fs = Files.createDirectories(runs.resolve("fewshot-image-to-audio"));
    Files.writeString(fs.resolve("fewshot-image-to-audio.md"), "# fewshot\n");
    Files.writeString(
        fs.resolve("fewshot-image-to-audio.json"),
        """
                {"rows": [{"method": "target-only few-shot", "1-shot": {"mean": 30.0}, "5-shot": {"mean": 60.0}},
                          {"method": "align + classify (no meta)", "1-shot": {"mean": 40.0}, "5-shot": {"mean": 70.0}},
                          {"method": "CroMA (meta-alignment)", "1-shot": {"mean": 45.0}, "5-shot": {"mean": 65.0}}],
                 "seconds": 1.0, "machine": {}}
                """);
    String doc = ResultsDoc.build(runs, tmp.resolve("docs"));
    assertTrue(doc.contains("**MISSES** — ours 50.0 → 55.0 (+5.0 points)"), doc);
    assertTrue(
        doc.contains("1-shot: CroMA above target-only and align + classify: **holds**"), doc);
    assertTrue(
        doc.contains("5-shot: CroMA above target-only and align + classify: **MISSES**"), doc);
    assertTrue(doc.contains("`synthetic-linear`: **no run found**"), doc);
    assertTrue(doc.contains("](../eval/results/full/pmr-cgmnist/pmr-cgmnist-accuracy.png)"), doc);
    assertTrue(doc.contains("## pmr-cgmnist — x"), doc);
    assertTrue(
        doc.contains("### Notes on `pmr-cgmnist` (commentary written by the engineer who ran it;"),
        doc);
    assertTrue(doc.contains("Tried a larger run."), doc);
    assertTrue(doc.contains("### Further run: `../eval/results/full/pmr-cgmnist-2000x10ep/`"), doc);
    assertTrue(doc.contains("#### pmr-cgmnist — study"), doc);
    assertTrue(
        doc.contains("](../eval/results/full/pmr-cgmnist-2000x10ep/pmr-cgmnist-accuracy.png)"),
        doc);
  }
}
