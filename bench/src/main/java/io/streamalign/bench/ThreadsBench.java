package io.streamalign.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Sample;
import io.streamalign.records.SampleRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PyTorch's intra-op threads: one thread (StreamAlign's default, README.md "CPU threads") against a
 * thread per core (PyTorch's default), on the same learner in the same process, alternating in
 * rounds so both see the same machine load. Figures: predictBatch events/s at batch 1, 16 and 64,
 * and learn-step time at batch 32, each as the one-thread value against the per-core value.
 */
public final class ThreadsBench implements Scenario {

  @Override
  public String name() {
    return "threads";
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    int rounds = opts.pick(2, 6);
    double seconds = opts.pick(1, 3);
    int cores = Runtime.getRuntime().availableProcessors();
    BenchData data = BenchData.load(96);
    LearnerConfig cfg = LearnerConfig.defaults().with("device", opts.device());
    SampleRecords conv = new SampleRecords(cfg);
    List<Sample> samples = data.samples().stream().map(conv::toSample).toList();
    List<Sample> unlabeled = new ArrayList<>();
    for (Sample s : samples) unlabeled.add(Sample.unlabeled(s.id(), s.features()));
    int[] sizes = {1, 16, 64};
    double[][] predict = new double[2][sizes.length]; // [one thread, per core][size]: events/s sums
    double[] learnMs = new double[2];
    List<String> loads = new ArrayList<>();
    try (CrossModalLearner learner = CrossModalLearner.create(cfg)) {
      learner.learn(samples.subList(0, 32)); // classes known, engine warm
      for (int round = 0; round < rounds; round++) {
        for (int which = 0; which < 2; which++) {
          JniUtils.setNumThreads(which == 0 ? 1 : cores);
          loads.add(load());
          for (int i = 0; i < sizes.length; i++) {
            List<Sample> batch = unlabeled.subList(0, sizes[i]);
            for (int w = 0; w < 3; w++) learner.predictBatch(batch);
            long t0 = System.nanoTime();
            long events = 0;
            while (System.nanoTime() - t0 < seconds * 1e9) {
              learner.predictBatch(batch);
              events += batch.size();
            }
            predict[which][i] += events / ((System.nanoTime() - t0) / 1e9);
          }
          long t0 = System.nanoTime();
          int steps = 0;
          while (System.nanoTime() - t0 < seconds * 2e9 || steps < 2) {
            int from = 32 + (steps % 2) * 32;
            learner.learn(samples.subList(from, from + 32));
            steps++;
          }
          learnMs[which] += (System.nanoTime() - t0) / 1e6 / steps;
        }
      }
    } finally {
      JniUtils.setNumThreads(Integer.getInteger("ai.djl.pytorch.num_threads", cores));
    }
    for (int i = 0; i < sizes.length; i++) {
      report.add(
          Figure.of(
              "predictBatch " + sizes[i] + ", 1 thread",
              predict[0][i] / rounds,
              "events/s",
              "predictBatch " + sizes[i] + ", " + cores + " threads",
              predict[1][i] / rounds));
    }
    report.add(
        Figure.of(
            "learn step of 32, 1 thread",
            learnMs[0] / rounds,
            "ms",
            "learn step of 32, " + cores + " threads",
            learnMs[1] / rounds));
    report.note("data: " + data.source());
    report.note(
        String.format(
            Locale.ROOT,
            "%d rounds, each measuring 1 thread then %d threads (torch::set_num_threads through"
                + " DJL's JniUtils) on the same learner, %.0f s per predict figure and %.0f s of"
                + " learn steps; values are means over the rounds",
            rounds,
            cores,
            seconds,
            seconds * 2));
    report.note(
        "load average (1 min) at the start of each measurement: " + String.join(", ", loads));
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "n/a";
    }
  }
}
