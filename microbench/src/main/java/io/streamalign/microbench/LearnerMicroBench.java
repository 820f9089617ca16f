package io.streamalign.microbench;

import io.streamalign.bench.BenchOptions;
import io.streamalign.bench.BenchReport;
import io.streamalign.bench.Figure;
import io.streamalign.bench.Scenario;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The {@link LearnerMicro} JMH benchmarks run programmatically (few short iterations in quick mode,
 * in-process; forked otherwise), their scores written in the common table format.
 *
 * <p>It lives outside the runnable jar with JMH itself: {@code
 * microbench/target/streamalign-microbench.jar} holds this module and JMH, and {@code bench}'s
 * runner finds the scenario through {@link java.util.ServiceLoader} when that jar is on the class
 * path (the {@code ./streamalign} launcher adds it when it exists).
 */
public final class LearnerMicroBench implements Scenario {

  /** Host reads per learn step of 32, on the calling thread (the learner runs here). */
  static double readsPerStep(String device) {
    io.streamalign.bench.BenchData data = io.streamalign.bench.BenchData.load(96);
    io.streamalign.model.LearnerConfig cfg =
        io.streamalign.model.LearnerConfig.defaults().with("device", device);
    io.streamalign.records.SampleRecords conv = new io.streamalign.records.SampleRecords(cfg);
    java.util.List<io.streamalign.model.Sample> all =
        data.samples().stream().map(conv::toSample).toList();
    try (io.streamalign.model.CrossModalLearner l =
        io.streamalign.model.CrossModalLearner.create(cfg)) {
      for (int i = 0; i < 2; i++) l.learn(all.subList(32 * i, 32 * i + 32));
      long before = io.streamalign.model.HostTransfers.reads();
      for (int i = 0; i < 8; i++) l.learn(all.subList(32 * (i % 3), 32 * (i % 3) + 32));
      return (io.streamalign.model.HostTransfers.reads() - before) / 8.0;
    }
  }

  @Override
  public String name() {
    return "learner-micro";
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    int forks = Integer.getInteger("streamalign.bench.jmh.forks", opts.quick() ? 0 : 1);
    ChainedOptionsBuilder b =
        new OptionsBuilder()
            .include(LearnerMicro.class.getName() + "\\.")
            .param("device", opts.device())
            .forks(forks)
            .threads(1)
            .warmupIterations(opts.pick(1, 2))
            .warmupTime(TimeValue.seconds(opts.pick(1, 4)))
            .measurementIterations(opts.pick(2, 4))
            .measurementTime(TimeValue.seconds(opts.pick(1, 4)))
            .shouldFailOnError(true);
    if (forks > 0) {
      String data = io.streamalign.features.data.DataDir.find().map(Object::toString).orElse("");
      b = b.jvmArgsAppend("-Dai.djl.offline=true", "-Dstreamalign.data.dir=" + data, "-Xmx2g");
    }
    Collection<RunResult> results = new Runner(b.build()).run();
    Map<String, double[]> score = new HashMap<>(); // method -> {score, error}
    Map<String, String> unit = new HashMap<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String method = bench.substring(bench.lastIndexOf('.') + 1);
      score.put(
          method,
          new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
      unit.put(method, r.getPrimaryResult().getScoreUnit());
    }
    for (String m :
        new String[] {
          "learnStep32", "predictBatch32", "logMel1s", "serdeRoundTrip", "tensorBytesRoundTrip"
        }) {
      if (!score.containsKey(m))
        throw new IllegalStateException("JMH gave no result for " + m + ": " + score.keySet());
    }
    report.add(
        Figure.of(
            "learner step (batch 32)",
            score.get("learnStep32")[0],
            unit.get("learnStep32"),
            "predict batch 32 (forward only)",
            score.get("predictBatch32")[0]));
    report.add(
        Figure.ratioAtMost(
            "log-mel featurization of a 1 s clip",
            score.get("logMel1s")[0],
            unit.get("logMel1s"),
            "1 s of audio (real time)",
            unit.get("logMel1s").startsWith("ms") ? 1000.0 : Double.NaN,
            0.1));
    report.add(
        Figure.of(
            "AvroSerde round trip of a PairedSample",
            score.get("serdeRoundTrip")[0],
            unit.get("serdeRoundTrip"),
            "float<->bytes conversion of its tensors alone",
            score.get("tensorBytesRoundTrip")[0]));
    report.note(
        String.format(
            java.util.Locale.ROOT,
            "host reads (NDArray to Java, a sync each on a GPU) per learn step of 32: %.1f"
                + " (io.streamalign.model.HostTransfers, counted over 8 steps after 2 warm-up"
                + " steps; libtorch operators per step: `streamalign bench learner-vs-torch`)",
            readsPerStep(opts.device())));
    StringBuilder errs = new StringBuilder("JMH average time, 99.9% error: ");
    score.forEach(
        (k, v) ->
            errs.append(k)
                .append(String.format(java.util.Locale.ROOT, " +-%.3g %s; ", v[1], unit.get(k))));
    report.note(errs.toString());
    report.note(
        "JMH "
            + (forks == 0 ? "in-process (forks 0)" : forks + " fork(s)")
            + ", warm-up "
            + opts.pick(1, 2)
            + " x "
            + opts.pick(1, 4)
            + " s, measurement "
            + opts.pick(2, 4)
            + " x "
            + opts.pick(1, 4)
            + " s, device "
            + opts.device());
  }
}
