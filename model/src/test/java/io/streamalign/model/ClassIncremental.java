package io.streamalign.model;

import io.streamalign.features.data.Fsdd;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A class-incremental stream built from the real digit data, shaped like the live demo's synthetic
 * scenes: {@code streams} parallel streams each show one digit for a random segment of moments (a
 * newly introduced digit is picked with probability 1/2 until a stream has shown it); {@code
 * initial} digits at first and one more every {@code every} samples; micro-batches of 32
 * (interleaved moments of all streams); video always labeled, audio labeled only for the first
 * {@code audioLabels} samples of each digit. Prequential (test-then-train) fused accuracy is
 * measured per number of active classes, together with the share of predictions that name the
 * newest class.
 */
final class ClassIncremental {

  /** Figures per number of active classes. */
  record Phase(
      int classes,
      int samples,
      double fusedAccuracy,
      double newestShare,
      double newestTruthShare,
      Map<String, Double> meanLosses,
      double videoAccuracy,
      double audioAccuracy) {}

  record Result(List<Phase> phases, double heldOutVideo, long skipped, StepReport last) {}

  private ClassIncremental() {}

  static Result run(
      Digits.Data d,
      LearnerConfig cfg,
      int initial,
      int every,
      int total,
      int audioLabels,
      long seed) {
    Random r = new Random(seed);
    int streams = 4;
    int batch = 32;
    int[] cls = new int[streams];
    int[] remaining = new int[streams];
    int[] newestSeen = new int[streams];
    java.util.Arrays.fill(newestSeen, initial - 1);
    int[] labeledAudio = new int[10];
    List<Phase> phases = new ArrayList<>();
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      int seen = 0;
      int phaseClasses = initial;
      int pOk = 0, pN = 0, pNewest = 0, pNewestTruth = 0, pSteps = 0, pVideo = 0, pAudio = 0;
      Map<String, Double> lossSum = new LinkedHashMap<>();
      StepReport rep = null;
      while (seen < total) {
        int active = Math.min(10, initial + seen / every);
        if (active != phaseClasses) {
          phases.add(
              phase(phaseClasses, pN, pOk, pNewest, pNewestTruth, lossSum, pSteps, pVideo, pAudio));
          phaseClasses = active;
          pOk = pN = pNewest = pNewestTruth = pSteps = pVideo = pAudio = 0;
          lossSum = new LinkedHashMap<>();
        }
        List<Sample> b = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          int s = i % streams;
          if (remaining[s] <= 0) {
            if (active - 1 > newestSeen[s] && r.nextBoolean()) cls[s] = active - 1;
            else cls[s] = r.nextInt(active);
            if (cls[s] == active - 1) newestSeen[s] = cls[s];
            remaining[s] = 4 + r.nextInt(9);
          }
          remaining[s]--;
          int digit = cls[s];
          List<float[]> ims = d.imagesTrain().get(digit);
          List<float[]> aus = d.audioTrain().get(digit);
          Map<Modality, float[]> f = new EnumMap<>(Modality.class);
          f.put(Modality.VIDEO, ims.get(r.nextInt(ims.size())));
          f.put(Modality.AUDIO, aus.get(r.nextInt(aus.size())));
          Set<Modality> lab =
              labeledAudio[digit]++ < audioLabels
                  ? EnumSet.of(Modality.VIDEO, Modality.AUDIO)
                  : EnumSet.of(Modality.VIDEO);
          String word = Fsdd.digitWord(digit);
          b.add(new Sample("s" + (seen + i), "stream" + s, seen + i, f, word, lab, word));
        }
        // test-then-train, fused (video + audio), as the demo's served predictions
        List<Inference> pred = l.predictBatch(b);
        // and each modality alone: phi over its aligned embedding (CroMA's single classifier)
        List<Inference> predV = l.predictBatch(only(b, Modality.VIDEO));
        List<Inference> predA = l.predictBatch(only(b, Modality.AUDIO));
        for (int i = 0; i < b.size(); i++) {
          if (b.get(i).label().equals(predV.get(i).label())) pVideo++;
          if (b.get(i).label().equals(predA.get(i).label())) pAudio++;
        }
        String newest = Fsdd.digitWord(active - 1);
        for (int i = 0; i < b.size(); i++) {
          pN++;
          if (b.get(i).label().equals(pred.get(i).label())) pOk++;
          if (newest.equals(pred.get(i).label())) pNewest++;
          if (newest.equals(b.get(i).label())) pNewestTruth++;
        }
        rep = l.learn(b);
        pSteps++;
        for (Map.Entry<String, Double> e : rep.losses().entrySet())
          lossSum.merge(e.getKey(), e.getValue(), Double::sum);
        seen += b.size();
      }
      phases.add(
          phase(phaseClasses, pN, pOk, pNewest, pNewestTruth, lossSum, pSteps, pVideo, pAudio));
      double held =
          Digits.accuracy(
              l, d.imagesTest(), Modality.VIDEO, 30, Math.min(10, initial + (total - 1) / every));
      return new Result(phases, held, l.skippedNonFinite(), rep);
    }
  }

  static List<Sample> only(List<Sample> b, Modality m) {
    return b.stream()
        .map(
            s ->
                new Sample(
                    s.id(),
                    s.streamId(),
                    s.eventTimeMs(),
                    Map.of(m, s.features().get(m)),
                    null,
                    Set.of(),
                    null))
        .toList();
  }

  private static Phase phase(
      int classes,
      int n,
      int ok,
      int newest,
      int newestTruth,
      Map<String, Double> loss,
      int steps,
      int video,
      int audio) {
    Map<String, Double> mean = new LinkedHashMap<>();
    for (String k : List.of("fused_ce", "uni_ce", "pce", "meta_cls", "align")) {
      if (loss.containsKey(k)) mean.put(k, Math.round(loss.get(k) / steps * 1000) / 1000.0);
    }
    return new Phase(
        classes,
        n,
        ok / (double) Math.max(1, n),
        newest / (double) Math.max(1, n),
        newestTruth / (double) Math.max(1, n),
        mean,
        video / (double) Math.max(1, n),
        audio / (double) Math.max(1, n));
  }

  static String format(Result res) {
    StringBuilder sb = new StringBuilder();
    for (Phase p : res.phases()) {
      sb.append(
          String.format(
              "  classes=%d n=%d fusedAcc=%.3f videoAcc=%.3f audioAcc=%.3f (chance %.3f) predNewest=%.3f truthNewest=%.3f losses=%s%n",
              p.classes(),
              p.samples(),
              p.fusedAccuracy(),
              p.videoAccuracy(),
              p.audioAccuracy(),
              1.0 / p.classes(),
              p.newestShare(),
              p.newestTruthShare(),
              p.meanLosses()));
    }
    sb.append(
        String.format(
            "  held-out video (all seen digits) %.3f, skipped non-finite %d",
            res.heldOutVideo(), res.skipped()));
    return sb.toString();
  }

  /** Manual runner: prints the phase figures. */
  public static void main(String[] args) {
    Digits.Data d = Digits.load();
    LearnerConfig cfg = LearnerConfig.defaults().with("device", "cpu");
    for (String o : System.getProperty("over", "").split(";")) {
      if (o.isBlank()) continue;
      String[] kv = o.split("=");
      cfg = cfg.with(kv[0], kv[1]);
    }
    long t0 = System.currentTimeMillis();
    Result res =
        run(d, cfg, 2, Integer.getInteger("every", 128), Integer.getInteger("total", 1152), 5, 11);
    System.out.println(format(res));
    System.out.println("ms " + (System.currentTimeMillis() - t0));
  }
}
