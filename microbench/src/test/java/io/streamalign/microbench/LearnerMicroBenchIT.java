package io.streamalign.microbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.bench.BenchOptions;
import io.streamalign.bench.BenchReport;
import io.streamalign.bench.BenchRunner;
import io.streamalign.bench.Figure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JMH scenario found by the bench runner through its service entry, run in quick mode: its
 * files are written and every figure is finite (no thresholds: benchmarks measure).
 */
@Tag("integration")
class LearnerMicroBenchIT {

  @Test
  @Timeout(300)
  void runnerFindsAndRunsTheJmhScenario(@TempDir Path out) throws Exception {
    assertTrue(BenchRunner.names().contains("learner-micro"), BenchRunner.names().toString());
    BenchReport report =
        BenchRunner.runReport(
            "learner-micro", new BenchOptions(true, Duration.ofSeconds(15), out, "cpu"));
    assertEquals(3, report.figures().size(), report.figures().toString());
    for (Figure f : report.figures()) {
      assertTrue(Double.isFinite(f.value()) && f.value() > 0, f.name() + " value " + f.value());
      assertTrue(
          Double.isFinite(f.baseline()) && f.baseline() > 0,
          f.name() + " baseline " + f.baseline());
    }
    assertTrue(Files.isRegularFile(out.resolve("learner-micro.json")));
    assertFalse(Files.readString(out.resolve("learner-micro.md")).isBlank());
  }
}
