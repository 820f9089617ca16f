package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner-vs-torch scenario's parts: the PyTorch script runs its steps and gives step times and
 * an operator trace through the bench's protocol (skipped, with the reason, where python3 or torch
 * is missing), and the trace counter's nesting rule.
 */
class LearnerVsTorchTest {

  @Test
  void theTorchScriptRunsStepsAndProfilesThroughTheProtocol(@TempDir Path dir) throws Exception {
    String why = LearnerVsTorchBench.torchMissing(LearnerVsTorchBench.python());
    Assumptions.assumeTrue(why == null, () -> "PyTorch not available: " + why);
    Path script = LearnerVsTorchBench.extractScript(dir);
    try (LearnerVsTorchBench.TorchProcess py =
        new LearnerVsTorchBench.TorchProcess(
            LearnerVsTorchBench.python(), script, null, 1, 1, "cpu")) {
      assertEquals(1.0, py.info.num("threads"), "intra-op threads as asked");
      List<Double> ms = py.steps(2);
      assertEquals(2, ms.size());
      for (double m : ms) assertTrue(m > 0 && Double.isFinite(m), "step time " + m);
      Path trace = dir.resolve("trace.json");
      LearnerVsTorchBench.JsonMap prof = py.profile(1, trace);
      assertTrue(prof.num("syncs_per_step") >= 1, "the guard reads at least once per step");
      OpTrace.Counts c = OpTrace.count(trace);
      assertTrue(c.topLevel() > 50, "a learner step runs many operators: " + c.topLevel());
      assertTrue(c.all() > c.topLevel(), "operators nest");
      assertTrue(
          c.topNames().keySet().stream().anyMatch(n -> n.contains("conv")),
          "the encoders convolve: " + c.topNames().keySet());
    }
  }

  @Test
  void onlyOperatorsNotNestedOnTheirThreadAreTopLevel(@TempDir Path dir) throws Exception {
    Path t = dir.resolve("t.json");
    Files.writeString(
        t,
        """
        {"traceEvents": [
          {"ph": "X", "cat": "cpu_op", "name": "aten::conv2d", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
          {"ph": "X", "cat": "cpu_op", "name": "aten::convolution", "pid": 1, "tid": 1, "ts": 1, "dur": 8},
          {"ph": "X", "cat": "cpu_op", "name": "aten::add", "pid": 1, "tid": 1, "ts": 10, "dur": 2},
          {"ph": "X", "cat": "cpu_op", "name": "aten::mm", "pid": 1, "tid": 2, "ts": 3, "dur": 2},
          {"ph": "X", "cat": "python_function", "name": "step", "pid": 1, "tid": 1, "ts": 0, "dur": 20},
          {"ph": "i", "cat": "cpu_op", "name": "marker", "pid": 1, "tid": 1, "ts": 4}
        ]}
        """);
    OpTrace.Counts c = OpTrace.count(t);
    assertEquals(3, c.topLevel(), "conv2d, add (tid 1) and mm (tid 2); convolution is nested");
    assertEquals(4, c.all());
    assertEquals(1L, c.topNames().get("aten::conv2d"));
  }

  @Test
  void batchesCycleThroughThePoolAsTheScriptsDo() {
    assertEquals(0, LearnerVsTorchBench.batchStart(70, 0));
    assertEquals(32, LearnerVsTorchBench.batchStart(70, 1));
    assertEquals(0, LearnerVsTorchBench.batchStart(70, 2), "the incomplete tail is skipped");
    assertEquals(0, LearnerVsTorchBench.batchStart(20, 3), "a pool smaller than a batch");
  }

  @Test
  void theGoalIsNotJudgedAgainstPyTorchOnTheReferenceBlas() {
    assertTrue(
        LearnerVsTorchBench.referenceBlas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"));
    assertTrue(
        !LearnerVsTorchBench.referenceBlas(
            "/tmp/o/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3,"
                + " /tmp/o/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"));
    assertTrue(!LearnerVsTorchBench.referenceBlas("/opt/intel/mkl/lib/libmkl_rt.so"));
    assertTrue(!LearnerVsTorchBench.referenceBlas("linked statically"));
  }
}
