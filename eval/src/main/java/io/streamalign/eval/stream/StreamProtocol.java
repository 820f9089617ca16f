package io.streamalign.eval.stream;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.eval.Protocol;
import io.streamalign.eval.data.DigitData;
import io.streamalign.eval.report.Machine;
import io.streamalign.eval.report.MarkdownTable;
import io.streamalign.eval.report.ReportWriter;
import io.streamalign.features.data.Fsdd;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code stream}: the live setting. A class-incremental digit stream with scarce audio labels goes
 * through {@link CrossModalLearner} online (its public {@code learn}/{@code predictBatch} API, the
 * same calls the trainer and serving make), once per learner variant: the defaults (PMR eq. 11
 * "clip" rule + CroMA meta-alignment and meta-classification), without PMR ({@code pmrRule=none}),
 * without meta-learning (Reptile step size 1 and one inner step: plain SGD on the same alignment
 * and classification losses), and without either.
 *
 * <p>The stream (shaped like the demo's scenes): {@code streams} = 4 parallel streams, each showing
 * one digit for a random segment of 4-12 moments (a newly introduced digit is picked with
 * probability 1/2 until that stream has shown it); {@code initial} digits at first and one more
 * every {@code every} samples up to 10; micro-batches of 32 interleaved moments. Every moment is an
 * AV-MNIST-style weak pair: a training image (MNIST 0-7999) and a training take (FSDD takes 5-49)
 * of the digit, drawn at random, concept group = the digit word. The image is always labeled; the
 * audio only for the first {@code audioLabels} samples of each digit.
 *
 * <p>Measured test-then-train (prequential, River's manner): before each {@code learn(batch)} every
 * sample is predicted from the image alone, from the audio alone and from both (fused), and scored
 * against its digit (whether or not its label was usable for learning); accuracies are averaged per
 * window of samples and over the whole stream. At the end the learner is scored on held-out data of
 * all ten digits: MNIST images 8000-9999, FSDD takes 0-4, and fused pairs of the two.
 */
public final class StreamProtocol implements Protocol {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(StreamProtocol.class);

  public static final String NAME = "stream";
  static final String[] MODES = {"video", "audio", "fused"};

  /** Stream sizes. */
  public record Settings(
      int initial,
      int every,
      int total,
      int batch,
      int audioLabels,
      int window,
      int heldOutPerDigit,
      long seed) {
    public static Settings reduced() {
      return new Settings(2, 64, 768, 32, 5, 128, 30, 11L);
    }

    public static Settings full() {
      return new Settings(2, 256, 3072, 32, 5, 256, 200, 11L);
    }
  }

  /** A learner variant: its label and config overrides. */
  public record Variant(String label, Map<String, String> overrides) {}

  /** The variants, in table order. */
  public static List<Variant> variants() {
    return List.of(
        new Variant("PMR + meta-alignment (defaults)", Map.of()),
        new Variant("no PMR", Map.of("pmrRule", "none")),
        // PMR eq. 7 as the paper writes it (softmax over -d); the default scales d by 10 on the
        // unit sphere
        new Variant("PMR unscaled (pmrScale 1)", Map.of("pmrScale", "1")),
        // one inner step of a fresh Adam is lr * sign(g): Reptile degenerates into scaled sign-SGD
        // (Nichol et
        // al. 2018, section 5); five is the Reptile paper's Omniglot setting
        new Variant("meta-alignment, 5 inner steps", Map.of("innerSteps", "5")),
        // the papers' objectives alone: five inner steps and no per-modality cross-entropy of phi
        // (a term
        // in neither paper, on by default; README, "The learner")
        new Variant(
            "papers' setting (5 inner steps, no unimodal term)",
            Map.of("innerSteps", "5", "unimodalWeight", "0")),
        new Variant("no meta-learning", Map.of("metaStepSize", "1.0", "innerSteps", "1")),
        new Variant(
            "no PMR, no meta-learning",
            Map.of("pmrRule", "none", "metaStepSize", "1.0", "innerSteps", "1")));
  }

  /**
   * One run of one variant with one seed.
   *
   * @param windowEnd samples seen at the end of each window
   * @param windowAcc [mode][window] prequential accuracy in the window (0-1)
   * @param windowClasses active digits at the end of each window
   * @param overall [mode] prequential accuracy over the whole stream
   * @param heldOut [mode] held-out accuracy over all ten digits at the end
   * @param learnerPreq the learner's own cumulative prequential accuracy (labeled samples only)
   *     from its last StepReport
   * @param meanRho mean PMR rho over the steps where the learner computed it (NaN if never)
   * @param skipped non-finite updates the learner skipped
   * @param seconds wall time of the run
   */
  public record Run(
      double[] windowEnd,
      double[][] windowAcc,
      int[] windowClasses,
      double[] overall,
      double[] heldOut,
      Map<String, Double> learnerPreq,
      double meanRho,
      long skipped,
      double seconds) {}

  private final Settings override;
  private final List<Variant> variants;

  public StreamProtocol() {
    this(null, variants());
  }

  /** Fixed settings (null = by {@code --full}) and a subset of variants (tests, studies). */
  public StreamProtocol(Settings settings, List<Variant> variants) {
    this.override = settings;
    this.variants = List.copyOf(variants);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "class-incremental digit stream, scarce audio labels, online learner: prequential accuracy per modality and fused";
  }

  @Override
  public EvalResult run(EvalOptions opts) throws IOException {
    Settings s = override != null ? override : (opts.full() ? Settings.full() : Settings.reduced());
    long t0 = System.nanoTime();
    DigitData data = DigitData.load(opts.requireDataDir(NAME));
    List<List<Run>> runs = new ArrayList<>();
    for (Variant v : variants) {
      List<Run> perSeed = new ArrayList<>();
      for (int k = 0; k < opts.seeds(); k++) {
        long seed = s.seed() + 7919L * k;
        LearnerConfig cfg =
            LearnerConfig.defaults().with("device", "cpu").with("seed", seed).with(v.overrides());
        LOG.info("variant '{}' seed {}", v.label(), seed);
        perSeed.add(run(data, cfg, s, seed));
      }
      runs.add(perSeed);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    return report(s, opts, runs, secs);
  }

  /** Runs the stream once through a fresh learner made from {@code cfg}. */
  public static Run run(DigitData d, LearnerConfig cfg, Settings s, long seed) {
    long t0 = System.nanoTime();
    Random r = new Random(seed);
    int streams = 4;
    int[] cls = new int[streams];
    int[] remaining = new int[streams];
    int[] newestSeen = new int[streams];
    java.util.Arrays.fill(newestSeen, s.initial() - 1);
    int[] labeledAudio = new int[10];
    int windows = (s.total() + s.window() - 1) / s.window();
    double[] wEnd = new double[windows];
    double[][] wOk = new double[3][windows];
    double[] wN = new double[windows];
    int[] wClasses = new int[windows];
    double[] okAll = new double[3];
    double nAll = 0;
    double rhoSum = 0;
    int rhoN = 0;
    StepReport last = null;
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      int seen = 0;
      while (seen < s.total()) {
        int active = Math.min(10, s.initial() + seen / s.every());
        int n = Math.min(s.batch(), s.total() - seen);
        List<Sample> batch = new ArrayList<>();
        List<Sample> videoOnly = new ArrayList<>();
        List<Sample> audioOnly = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int st = i % streams;
          if (remaining[st] <= 0) {
            if (active - 1 > newestSeen[st] && r.nextBoolean()) {
              cls[st] = active - 1;
            } else {
              cls[st] = r.nextInt(active);
            }
            if (cls[st] == active - 1) {
              newestSeen[st] = cls[st];
            }
            remaining[st] = 4 + r.nextInt(9);
          }
          remaining[st]--;
          int digit = cls[st];
          List<float[]> ims = d.imagesTrain().get(digit);
          List<float[]> aus = d.audioTrain().get(digit);
          float[] im = ims.get(r.nextInt(ims.size()));
          float[] au = aus.get(r.nextInt(aus.size()));
          Map<Modality, float[]> f = new EnumMap<>(Modality.class);
          f.put(Modality.VIDEO, im);
          f.put(Modality.AUDIO, au);
          Set<Modality> lab =
              labeledAudio[digit]++ < s.audioLabels()
                  ? EnumSet.of(Modality.VIDEO, Modality.AUDIO)
                  : EnumSet.of(Modality.VIDEO);
          String word = Fsdd.digitWord(digit);
          String id = "s" + (seen + i);
          batch.add(new Sample(id, "stream" + st, seen + i, f, word, lab, word));
          videoOnly.add(Sample.unlabeled(id + "v", Map.of(Modality.VIDEO, im)));
          audioOnly.add(Sample.unlabeled(id + "a", Map.of(Modality.AUDIO, au)));
        }
        // test-then-train: predict from each modality alone and from both, then learn
        List<List<Inference>> preds =
            List.of(l.predictBatch(videoOnly), l.predictBatch(audioOnly), l.predictBatch(batch));
        for (int i = 0; i < n; i++) {
          int w = (seen + i) / s.window();
          for (int m = 0; m < 3; m++) {
            if (batch.get(i).label().equals(preds.get(m).get(i).label())) {
              wOk[m][w]++;
              okAll[m]++;
            }
          }
          wN[w]++;
          nAll++;
          wEnd[w] = seen + i + 1;
          wClasses[w] = active;
        }
        last = l.learn(batch);
        if (!Double.isNaN(last.rho())) {
          rhoSum += last.rho();
          rhoN++;
        }
        seen += n;
      }
      double[][] wAcc = new double[3][windows];
      for (int m = 0; m < 3; m++) {
        for (int w = 0; w < windows; w++) {
          wAcc[m][w] = wN[w] == 0 ? Double.NaN : wOk[m][w] / wN[w];
        }
      }
      double[] overall = new double[3];
      for (int m = 0; m < 3; m++) {
        overall[m] = okAll[m] / nAll;
      }
      double[] held = heldOut(l, d, s.heldOutPerDigit(), new Random(seed + 5));
      LOG.info(
          "seed {}: overall video/audio/fused {}, last window {}, held-out {}",
          seed,
          pct(overall),
          pct(new double[] {wAcc[0][windows - 1], wAcc[1][windows - 1], wAcc[2][windows - 1]}),
          pct(held));
      return new Run(
          wEnd,
          wAcc,
          wClasses,
          overall,
          held,
          last == null ? Map.of() : last.prequentialAccuracy(),
          rhoN == 0 ? Double.NaN : rhoSum / rhoN,
          l.skippedNonFinite(),
          (System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * Held-out accuracy (0-1) over all ten digits: image alone, audio alone, both (random same-digit
   * pairs).
   */
  static double[] heldOut(CrossModalLearner l, DigitData d, int perDigit, Random r) {
    List<Sample> v = new ArrayList<>();
    List<Sample> a = new ArrayList<>();
    List<Sample> f = new ArrayList<>();
    List<String> truth = new ArrayList<>();
    for (int digit = 0; digit < 10; digit++) {
      List<float[]> ims = d.imagesTest().get(digit);
      List<float[]> aus = d.audioTest().get(digit);
      for (int i = 0; i < Math.min(perDigit, Math.max(ims.size(), aus.size())); i++) {
        float[] im = ims.get(i % ims.size());
        float[] au = aus.get(i % aus.size());
        v.add(Sample.unlabeled("hv" + digit + "-" + i, Map.of(Modality.VIDEO, im)));
        a.add(Sample.unlabeled("ha" + digit + "-" + i, Map.of(Modality.AUDIO, au)));
        f.add(
            Sample.unlabeled(
                "hf" + digit + "-" + i,
                Map.of(Modality.VIDEO, ims.get(r.nextInt(ims.size())), Modality.AUDIO, au)));
        truth.add(Fsdd.digitWord(digit));
      }
    }
    double[] acc = new double[3];
    List<List<Sample>> sets = List.of(v, a, f);
    for (int m = 0; m < 3; m++) {
      List<Inference> p = new ArrayList<>();
      List<Sample> set = sets.get(m);
      for (int from = 0; from < set.size(); from += 256) {
        p.addAll(l.predictBatch(set.subList(from, Math.min(set.size(), from + 256))));
      }
      int ok = 0;
      for (int i = 0; i < p.size(); i++) {
        ok += truth.get(i).equals(p.get(i).label()) ? 1 : 0;
      }
      acc[m] = ok / (double) p.size();
    }
    return acc;
  }

  private EvalResult report(Settings s, EvalOptions opts, List<List<Run>> runs, double secs)
      throws IOException {
    Machine machine = Machine.current();
    ReportWriter w = new ReportWriter(opts.outDir(), NAME);
    // one plot per modality: windowed prequential accuracy (mean over seeds) of every variant, and
    // chance
    for (int m = 0; m < 3; m++) {
      List<ReportWriter.Series> series = new ArrayList<>();
      double[] x = runs.get(0).get(0).windowEnd();
      for (int v = 0; v < variants.size(); v++) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
          y[i] = 100 * mean(runs.get(v), m, i);
        }
        series.add(new ReportWriter.Series(variants.get(v).label(), x, y));
      }
      double[] chance = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        chance[i] = 100.0 / runs.get(0).get(0).windowClasses()[i];
      }
      series.add(new ReportWriter.Series("chance (1 / active digits)", x, chance));
      w.lineChart(
          MODES[m],
          "Prequential accuracy, " + MODES[m] + " (window " + s.window() + " samples)",
          "samples seen",
          "accuracy in window (%)",
          false,
          series);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("# stream — class-incremental digit stream through the online learner\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "Stream: %d samples in micro-batches of %d from 4 parallel streams holding a digit for 4-12 moments; "
                + "%d digits at first, one more every %d samples (all 10 from sample %d). Each moment pairs a "
                + "training image (MNIST 0-7999) with a training take (FSDD takes 5-49) of the same digit; "
                + "the image is always labeled, the audio only for the first %d samples of each digit. "
                + "Prequential (test-then-train) accuracy from the image alone, the audio alone and both (fused) "
                + "before each learn step; held-out: %d items per digit (MNIST 8000-9999, FSDD takes 0-4, fused = "
                + "random same-digit pairs of the two) after the stream. CrossModalLearner defaults (d = 128, "
                + "concat fusion, margin alignment) except as the variant says. %d seed(s), mean ± std; %.0f s.%n%n",
            s.total(),
            s.batch(),
            s.initial(),
            s.every(),
            (10 - s.initial()) * s.every(),
            s.audioLabels(),
            s.heldOutPerDigit(),
            opts.seeds(),
            secs));
    MarkdownTable t =
        new MarkdownTable(
            "variant",
            "preq. video %",
            "preq. audio %",
            "preq. fused %",
            "last window video / audio / fused %",
            "held-out video %",
            "held-out audio %",
            "held-out fused %",
            "mean ρ",
            "s/run");
    int lastW = runs.get(0).get(0).windowEnd().length - 1;
    for (int v = 0; v < variants.size(); v++) {
      List<Run> rr = runs.get(v);
      t.row(
          variants.get(v).label(),
          ms(rr, x -> 100 * x.overall()[0]),
          ms(rr, x -> 100 * x.overall()[1]),
          ms(rr, x -> 100 * x.overall()[2]),
          MarkdownTable.num(100 * mean(rr, 0, lastW), 1)
              + " / "
              + MarkdownTable.num(100 * mean(rr, 1, lastW), 1)
              + " / "
              + MarkdownTable.num(100 * mean(rr, 2, lastW), 1),
          ms(rr, x -> 100 * x.heldOut()[0]),
          ms(rr, x -> 100 * x.heldOut()[1]),
          ms(rr, x -> 100 * x.heldOut()[2]),
          MarkdownTable.num(rr.stream().mapToDouble(Run::meanRho).average().orElse(Double.NaN), 3),
          MarkdownTable.num(rr.stream().mapToDouble(Run::seconds).average().orElse(Double.NaN), 0));
    }
    sb.append(t).append('\n');
    sb.append(
        "Chance: 1 / active digits during the stream (10% at the end), 10% held out. ρ = s_video / s_audio "
            + "(PMR eq. 8) on the steps where the learner could compute it. \"no meta-learning\" sets the Reptile step "
            + "size to 1 with one inner step, so both the alignment and the classification episodes become plain SGD "
            + "steps (the learner has one step size for both). The defaults take one inner Adam step per task, with which "
            + "a fresh Adam moves every weight by lr * sign(g), so Reptile is a scaled sign-SGD step (Nichol et al. "
            + "section 5), and add phi's cross-entropy on each labelled modality's embedding, a term in neither paper; "
            + "\"meta-alignment, 5 inner steps\" is Reptile proper (CroMA Table 5, Nichol et al. 2018) and \"papers' "
            + "setting\" also drops the extra term (README, \"The learner\", says why it is not the default). No paper "
            + "has numbers for this setting.\n\n");
    sb.append("## Prequential accuracy per window (%, video / audio / fused)\n\n");
    List<String> head = new ArrayList<>(List.of("samples", "digits"));
    for (Variant v : variants) {
      head.add(v.label());
    }
    MarkdownTable pw = new MarkdownTable(head.toArray(String[]::new));
    Run first = runs.get(0).get(0);
    for (int i = 0; i < first.windowEnd().length; i++) {
      List<Object> cells =
          new ArrayList<>(List.of((long) first.windowEnd()[i], first.windowClasses()[i]));
      for (int v = 0; v < variants.size(); v++) {
        cells.add(
            MarkdownTable.num(100 * mean(runs.get(v), 0, i), 0)
                + " / "
                + MarkdownTable.num(100 * mean(runs.get(v), 1, i), 0)
                + " / "
                + MarkdownTable.num(100 * mean(runs.get(v), 2, i), 0));
      }
      pw.row(cells.toArray());
    }
    sb.append(pw).append('\n');
    sb.append("Plots: `stream-video.png`, `stream-audio.png`, `stream-fused.png`.\n\n");
    sb.append(machine.markdown()).append('\n');
    String md = sb.toString();

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("protocol", NAME);
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("initial", s.initial());
    st.put("every", s.every());
    st.put("total", s.total());
    st.put("batch", s.batch());
    st.put("audioLabels", s.audioLabels());
    st.put("window", s.window());
    st.put("heldOutPerDigit", s.heldOutPerDigit());
    st.put("seed", s.seed());
    st.put("seeds", opts.seeds());
    json.put("settings", st);
    List<Object> vs = new ArrayList<>();
    for (int v = 0; v < variants.size(); v++) {
      Map<String, Object> vj = new LinkedHashMap<>();
      vj.put("variant", variants.get(v).label());
      vj.put("overrides", variants.get(v).overrides());
      List<Object> rs = new ArrayList<>();
      for (Run r : runs.get(v)) {
        Map<String, Object> rj = new LinkedHashMap<>();
        rj.put("windowEnd", r.windowEnd());
        rj.put("windowClasses", java.util.Arrays.stream(r.windowClasses()).boxed().toList());
        for (int m = 0; m < 3; m++) {
          rj.put("window_" + MODES[m], r.windowAcc()[m]);
        }
        Map<String, Object> ov = new LinkedHashMap<>();
        Map<String, Object> ho = new LinkedHashMap<>();
        for (int m = 0; m < 3; m++) {
          ov.put(MODES[m], r.overall()[m]);
          ho.put(MODES[m], r.heldOut()[m]);
        }
        rj.put("prequential", ov);
        rj.put("heldOut", ho);
        rj.put("learnerPrequential", r.learnerPreq());
        rj.put("meanRho", r.meanRho());
        rj.put("skippedNonFinite", r.skipped());
        rj.put("seconds", r.seconds());
        rs.add(rj);
      }
      vj.put("runs", rs);
      vs.add(vj);
    }
    json.put("variants", vs);
    json.put("seconds", secs);
    json.put("machine", machine.toMap());
    w.markdown(md);
    w.json(json);
    return new EvalResult(NAME, md, json, w.files());
  }

  private static double mean(List<Run> rr, int mode, int window) {
    return rr.stream().mapToDouble(r -> r.windowAcc()[mode][window]).average().orElse(Double.NaN);
  }

  private static String ms(List<Run> rr, java.util.function.ToDoubleFunction<Run> f) {
    double m = rr.stream().mapToDouble(f).average().orElse(Double.NaN);
    if (rr.size() < 2) {
      return MarkdownTable.num(m, 1);
    }
    double ss = rr.stream().mapToDouble(f).map(x -> (x - m) * (x - m)).sum();
    return MarkdownTable.meanStd(m, Math.sqrt(ss / (rr.size() - 1)), 1);
  }

  private static String pct(double[] a) {
    StringBuilder b = new StringBuilder();
    for (double x : a)
      b.append(b.length() == 0 ? "" : " / ")
          .append(String.format(java.util.Locale.ROOT, "%.1f", 100 * x));
    return b.toString();
  }
}
