package io.streamalign.bench;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time of one learner step goes: Java Flight Recorder (it ships with the JDK) samples the
 * learning thread every 10 ms, both while it runs Java ({@code jdk.ExecutionSample}) and while it
 * is inside a native call ({@code jdk.NativeMethodSample}, i.e. PyTorch through DJL's JNI), during
 * {@code steps} learn steps on real batches; each sample's stack is attributed
 *
 * <ul>
 *   <li>to the learner phase: the {@code CrossModalLearner} method that {@code learn} called
 *       (metaAlignmentStep, metaClassificationStep, supervisedStep, updatePrototypes,
 *       scorePrequential, ...), or to {@code learn}'s own code and the call it made (e.g. copying
 *       the parameters);
 *   <li>to an activity inside it: encoder forward, backward, optimizer update, Reptile, PMR terms,
 *       gradient/leaf copies, replay sampling, ...: the first such frame from the step down;
 *   <li>and to its top frame (the leaf: usually one PyTorch operator's JNI entry).
 * </ul>
 */
final class TrainerProfile {

  /** Share of the step per phase, per activity and per leaf; mean step time. */
  record Result(
      Map<String, Integer> phases,
      Map<String, Integer> activities,
      Map<String, Integer> leaves,
      int samples,
      int steps,
      double meanStepMs,
      double p50StepMs,
      double wallSeconds) {
    double share(int n) {
      return samples == 0 ? 0 : n / (double) samples;
    }
  }

  private TrainerProfile() {}

  static Result run(LearnerConfig cfg, List<Sample> samples, int batch, int warmSteps, int steps)
      throws Exception {
    Result[] out = new Result[1];
    Exception[] err = new Exception[1];
    Thread t =
        new Thread(
            () -> {
              try {
                out[0] = profile(cfg, samples, batch, warmSteps, steps);
              } catch (Exception e) {
                err[0] = e;
              }
            },
            "bench-profiled-learner");
    t.start();
    t.join();
    if (err[0] != null) throw err[0];
    return out[0];
  }

  private static Result profile(
      LearnerConfig cfg, List<Sample> samples, int batch, int warmSteps, int steps)
      throws Exception {
    int n = samples.size();
    List<Double> stepMs = new ArrayList<>();
    Path file = Files.createTempFile("bench-trainer-profile", ".jfr");
    String me = Thread.currentThread().getName();
    long wall0;
    long wall1;
    try (CrossModalLearner learner = CrossModalLearner.create(cfg)) {
      int at = 0;
      for (int i = 0; i < warmSteps; i++, at += batch) learner.learn(window(samples, at, batch));
      try (Recording rec = new Recording()) {
        rec.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        rec.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        rec.setToDisk(true);
        rec.start();
        wall0 = System.nanoTime();
        for (int i = 0; i < steps; i++, at += batch) {
          StepReport r = learner.learn(window(samples, at, batch));
          stepMs.add(r.stepMillis());
        }
        wall1 = System.nanoTime();
        rec.stop();
        rec.dump(file);
      }
    }
    Map<String, Integer> phases = new TreeMap<>();
    Map<String, Integer> activities = new TreeMap<>();
    Map<String, Integer> leaves = new TreeMap<>();
    int count = 0;
    try {
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        String type = e.getEventType().getName();
        if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) continue;
        RecordedThread th = e.getThread("sampledThread");
        if (th == null || !me.equals(th.getJavaName())) continue;
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) continue;
        List<RecordedFrame> frames = st.getFrames(); // top (leaf) first
        int learn = -1;
        for (int i = 0; i < frames.size(); i++) {
          if (isLearner(frames.get(i)) && name(frames.get(i)).equals("learn")) {
            learn = i;
            break;
          }
        }
        if (learn < 0) continue; // outside a step (the loop around it)
        count++;
        String phase;
        if (learn == 0) phase = "learn (own code)";
        else if (isLearner(frames.get(learn - 1))) phase = name(frames.get(learn - 1));
        else phase = "learn -> " + simple(frames.get(learn - 1));
        phases.merge(phase, 1, Integer::sum);
        activities.merge(phase + ": " + activity(frames, learn), 1, Integer::sum);
        leaves.merge(simple(frames.get(0)), 1, Integer::sum);
      }
    } finally {
      Files.deleteIfExists(file);
    }
    double mean = stepMs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    return new Result(
        sorted(phases),
        sorted(activities),
        sorted(leaves),
        count,
        steps,
        mean,
        Stats.percentile(stepMs, 50),
        (wall1 - wall0) / 1e9);
  }

  private static List<Sample> window(List<Sample> samples, int at, int batch) {
    int from = at % Math.max(1, samples.size() - batch);
    return samples.subList(from, from + batch);
  }

  /** The activity of a sample inside its phase: the first recognised frame from the step down. */
  static String activity(List<RecordedFrame> frames, int learn) {
    for (int i = learn - 1; i >= 0; i--) {
      RecordedFrame f = frames.get(i);
      String cls = f.getMethod().getType().getName();
      String m = name(f);
      if (cls.endsWith(".Nets")) return "encoder/head forward (Nets." + m + ")";
      if (cls.contains("GradientCollector") || m.equals("backward")) return "backward";
      if (cls.startsWith("ai.djl.training.optimizer") || cls.endsWith(".InnerAdam"))
        return "optimizer update";
      if (isLearner(f)) {
        switch (m) {
          case "reptile" -> {
            return "Reptile update";
          }
          case "pmrTerms" -> {
            return "PMR terms (eqs. 8-13)";
          }
          case "gradients" -> {
            return "gradient copies";
          }
          case "leaves" -> {
            return "leaf copies";
          }
          case "copyInto" -> {
            return "parameter copies";
          }
          case "alignmentLoss" -> {
            return "alignment loss";
          }
          case "prototypeLogits", "logits" -> {
            return "logits";
          }
          case "input" -> {
            return "input tensors";
          }
          case "parametersFinite", "finite" -> {
            return "finiteness checks";
          }
          case "alignTask", "pick" -> {
            return "task/replay sampling";
          }
          default -> {}
        }
      }
      if (cls.endsWith(".Losses")) return "losses";
      if (cls.endsWith(".Reservoirs")) return "replay reservoirs";
      if (cls.endsWith(".Pmr")) return "PMR (eqs. 6-13)";
    }
    return "other (" + simple(frames.get(0)) + ")";
  }

  private static boolean isLearner(RecordedFrame f) {
    return f.getMethod().getType().getName().equals(CrossModalLearner.class.getName());
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getName();
  }

  private static String simple(RecordedFrame f) {
    String c = f.getMethod().getType().getName();
    return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  private static Map<String, Integer> sorted(Map<String, Integer> m) {
    Map<String, Integer> out = new LinkedHashMap<>();
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** Markdown: the phase table, the activity table and the top leaves. */
  static String markdown(Result r, LearnerConfig cfg, int batch) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Profile of %d learn steps (batch %d, %s) after warm-up: mean step %.1f ms "
                + "(p50 %.1f), %d JFR samples of the learning thread (Java and native, every 10 ms); share = "
                + "samples in that part / samples inside learn(); ms/step = share x mean step.%n%n",
            r.steps(),
            batch,
            "innerSteps " + cfg.innerSteps(),
            r.meanStepMs(),
            r.p50StepMs(),
            r.samples()));
    sb.append("| learner phase | share | ms/step |\n|---|---|---|\n");
    r.phases().forEach((k, v) -> sb.append(row(k, r.share(v), r.meanStepMs())));
    sb.append("\n| phase: activity | share | ms/step |\n|---|---|---|\n");
    int shown = 0;
    for (Map.Entry<String, Integer> e : r.activities().entrySet()) {
      if (shown++ >= 20) break;
      sb.append(row(e.getKey(), r.share(e.getValue()), r.meanStepMs()));
    }
    sb.append("\n| top frame (leaf) | share |\n|---|---|\n");
    shown = 0;
    for (Map.Entry<String, Integer> e : r.leaves().entrySet()) {
      if (shown++ >= 12) break;
      sb.append(
          String.format(
              Locale.ROOT, "| `%s` | %.1f%% |%n", e.getKey(), 100 * r.share(e.getValue())));
    }
    return sb.toString();
  }

  private static String row(String k, double share, double meanMs) {
    return String.format(Locale.ROOT, "| %s | %.1f%% | %.1f |%n", k, 100 * share, share * meanMs);
  }

  /** Share of all samples whose activity label contains {@code what}. */
  static double activityShare(Result r, String what) {
    int n = 0;
    for (Map.Entry<String, Integer> e : r.activities().entrySet())
      if (e.getKey().contains(what)) n += e.getValue();
    return r.share(n);
  }
}
