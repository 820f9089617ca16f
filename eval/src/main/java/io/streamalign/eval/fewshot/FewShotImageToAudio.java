package io.streamalign.eval.fewshot;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.eval.Protocol;
import io.streamalign.eval.report.Machine;
import io.streamalign.eval.report.MarkdownTable;
import io.streamalign.eval.report.ReportWriter;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code fewshot-image-to-audio}: CroMA's image-to-audio few-shot protocol (CroMA section 5,
 * Table 2 middle) on digits: source = MNIST t10k images with labels (VIDEO), target = FSDD spoken
 * digits (AUDIO, featurized by {@link AudioFeaturizer} defaults).
 *
 * <p>Meta-train on digits 0-4: a stream of micro-batches of AV-MNIST-style pairs (data README):
 * an MNIST image of digit d (images 0-7999) and an FSDD <em>train</em> take of the same digit,
 * drawn at random; the label (digit word) is usable for the image only (the audio is unlabelled),
 * and the digit word is the concept group. The two halves come from different people, so every
 * pair is a weak pair (CroMA's weak pairs by concept); the learner additionally treats all
 * members of a concept group as positives. (The learner builds its alignment task only from
 * samples that carry the source modality together with another one, so image-only and audio-only
 * samples would not be aligned at all; hence the pairs.) Meta-test: 5-way k-shot on the held-out
 * digits 5-9: k support clips per class from FSDD train takes, queries = every FSDD <em>test</em>
 * take (index 0-4) of digits 5-9 (150 clips); classification by nearest class prototype (cosine)
 * of the audio embeddings in the aligned space, i.e. what serving does on {@code av.support}.
 *
 * <p>Rows: target-only few-shot (an untrained learner fine-tuned on the k-shot support with the
 * learner's own {@code adapt}, no source, no pairs); align + classify (the same stream, Reptile
 * step size 1 and one inner step, i.e. plain SGD on the alignment and classification losses, no
 * meta-learning); CroMA (the learner's defaults: meta step 0.1, inner Adam 1e-3). Mean and
 * standard deviation over tasks x seeds. The paper's numbers are for CIFAR to ESC-50 (different
 * data, 50 audio classes), shown for orientation only.
 */
public final class FewShotImageToAudio implements Protocol {

    public static final String NAME = "fewshot-image-to-audio";
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    /** Sizes. */
    public record Settings(int metaTrainSamples, int batch, int tasks, int[] shots, int adaptSteps, long seed) {
        public static Settings reduced() {
            return new Settings(640, 32, 8, new int[] {1, 5}, 10, 11L);
        }

        public static Settings full() {
            return new Settings(4000, 32, 8, new int[] {1, 5, 10}, 20, 11L);
        }
    }

    /** CroMA Table 2 (CIFAR to ESC-50) for k = 1, 5, 10. */
    static final Map<String, double[]> PAPER = Map.of(
            "target-only few-shot", new double[] {44.2, 72.3, 77.4},
            "align + classify (no meta)", new double[] {45.3, 73.9, 78.8},
            "CroMA (meta-alignment)", new double[] {47.5, 85.9, 92.7});
    static final List<String> ROWS = List.of("target-only few-shot", "align + classify (no meta)", "CroMA (meta-alignment)");

    private final Settings override;

    public FewShotImageToAudio() {
        this(null);
    }

    public FewShotImageToAudio(Settings settings) {
        this.override = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "CroMA image-to-audio: MNIST images (0-4, labelled) + FSDD weak pairs, 5-way k-shot on spoken digits 5-9";
    }

    private record Data(List<float[]>[] images, List<float[]>[] trainClips, List<float[]>[] testClips) {
    }

    @SuppressWarnings("unchecked")
    private static Data load(java.nio.file.Path dir) {
        Mnist mnist = Mnist.load(dir);
        VideoFeaturizer vf = new VideoFeaturizer();
        AudioFeaturizer af = new AudioFeaturizer();
        List<float[]>[] images = new List[10];
        List<float[]>[] train = new List[10];
        List<float[]>[] test = new List[10];
        for (int d = 0; d < 10; d++) {
            images[d] = new ArrayList<>();
            train[d] = new ArrayList<>();
            test[d] = new ArrayList<>();
        }
        for (int i = 0; i < 8000; i++) {
            int d = mnist.label(i);
            if (d < 5) {
                images[d].add(vf.featurize(28, 28, 1, "RAW8", mnist.image(i)));
            }
        }
        for (Fsdd.Clip c : Fsdd.load(dir)) {
            float[] f = af.featurize(c.pcm(), c.sampleRate());
            (c.isTest() ? test : train)[c.digit()].add(f);
        }
        return new Data(images, train, test);
    }

    @Override
    public EvalResult run(EvalOptions opts) throws IOException {
        Settings s = override != null ? override : (opts.full() ? Settings.full() : Settings.reduced());
        long t0 = System.nanoTime();
        Data data = load(opts.requireDataDir(NAME));
        // acc[row][shotIndex] = list over tasks x seeds
        List<List<List<Double>>> acc = new ArrayList<>();
        for (int r = 0; r < ROWS.size(); r++) {
            List<List<Double>> perShot = new ArrayList<>();
            for (int k = 0; k < s.shots().length; k++) {
                perShot.add(new ArrayList<>());
            }
            acc.add(perShot);
        }
        for (int seedIdx = 0; seedIdx < opts.seeds(); seedIdx++) {
            long seed = s.seed() + 7919L * seedIdx;
            LearnerConfig base = LearnerConfig.defaults().with("seed", seed).with("device", "cpu");
            try (CrossModalLearner fresh = CrossModalLearner.create(base);
                 CrossModalLearner plain = metaTrain(base.with("metaStepSize", 1.0).with("innerSteps", 1), data, s, seed);
                 CrossModalLearner croma = metaTrain(base, data, s, seed)) {
                Random rnd = new Random(seed);
                for (int task = 0; task < s.tasks(); task++) {
                    for (int k = 0; k < s.shots().length; k++) {
                        int shots = s.shots()[k];
                        List<float[]>[] support = supportSet(data, shots, rnd);
                        try (CrossModalLearner adapted = fresh.adapt(supportSamples(support), s.adaptSteps())) {
                            acc.get(0).get(k).add(prototypeAccuracy(adapted, support, data));
                        }
                        acc.get(1).get(k).add(prototypeAccuracy(plain, support, data));
                        acc.get(2).get(k).add(prototypeAccuracy(croma, support, data));
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Machine machine = Machine.current();
        ReportWriter w = new ReportWriter(opts.outDir(), NAME);
        List<ReportWriter.Series> series = new ArrayList<>();
        double[] xs = java.util.Arrays.stream(s.shots()).asDoubleStream().toArray();
        for (int r = 0; r < ROWS.size(); r++) {
            double[] y = new double[s.shots().length];
            for (int k = 0; k < y.length; k++) {
                y[k] = mean(acc.get(r).get(k));
            }
            series.add(new ReportWriter.Series(ROWS.get(r), xs, y));
        }
        w.lineChart("accuracy", "5-way k-shot spoken digits 5-9 (source: MNIST 0-4)", "k (shots)", "query accuracy (%)",
                false, series);

        StringBuilder sb = new StringBuilder();
        sb.append("# fewshot-image-to-audio — CroMA image → audio on MNIST → FSDD\n\n");
        sb.append(String.format(Locale.ROOT,
                "Meta-train: %d weak pairs (MNIST image of digit 0-4 with its label + an unlabelled FSDD train take "
                        + "of the same digit, concept group = digit word), micro-batches of %d, CrossModalLearner defaults "
                        + "(d = 128, margin loss). Meta-test: 5-way k-shot on digits 5-9, support from FSDD train takes, "
                        + "queries = all 150 FSDD test takes of 5-9, nearest prototype (cosine) in the aligned space; "
                        + "target-only = untrained learner adapted on the support (%d Adam steps). %d tasks × %d seed(s); "
                        + "mean ± std (%%); %.0f s.%n%n",
                s.metaTrainSamples(), s.batch(), s.adaptSteps(), s.tasks(), opts.seeds(), secs));
        List<String> head = new ArrayList<>(List.of("method"));
        for (int shots : s.shots()) {
            head.add(shots + "-shot (ours)");
        }
        for (int shots : s.shots()) {
            head.add(shots + "-shot paper (CIFAR→ESC-50)");
        }
        MarkdownTable t = new MarkdownTable(head.toArray(String[]::new));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("protocol", NAME);
        json.put("settings", Map.of("metaTrainSamples", s.metaTrainSamples(), "batch", s.batch(), "tasks", s.tasks(),
                "shots", java.util.Arrays.stream(s.shots()).boxed().toList(), "adaptSteps", s.adaptSteps(),
                "seed", s.seed(), "seeds", opts.seeds()));
        List<Object> rowsJson = new ArrayList<>();
        for (int r = 0; r < ROWS.size(); r++) {
            List<Object> cells = new ArrayList<>(List.of(ROWS.get(r)));
            Map<String, Object> rj = new LinkedHashMap<>();
            rj.put("method", ROWS.get(r));
            for (int k = 0; k < s.shots().length; k++) {
                List<Double> v = acc.get(r).get(k);
                cells.add(MarkdownTable.meanStd(mean(v), std(v), 1));
                rj.put(s.shots()[k] + "-shot", Map.of("mean", mean(v), "std", std(v), "values", v));
            }
            for (int shots : s.shots()) {
                int pi = shots == 1 ? 0 : shots == 5 ? 1 : shots == 10 ? 2 : -1;
                cells.add(pi < 0 ? "n/a" : MarkdownTable.num(PAPER.get(ROWS.get(r))[pi], 1));
            }
            t.row(cells.toArray());
            rowsJson.add(rj);
        }
        json.put("rows", rowsJson);
        json.put("seconds", secs);
        json.put("machine", machine.toMap());
        sb.append(t).append('\n');
        sb.append("Chance is 20%. Plot: `fewshot-image-to-audio-accuracy.png`.\n\n");
        sb.append(machine.markdown()).append('\n');
        String md = sb.toString();
        w.markdown(md);
        w.json(json);
        return new EvalResult(NAME, md, json, w.files());
    }

    private static CrossModalLearner metaTrain(LearnerConfig cfg, Data data, Settings s, long seed) {
        CrossModalLearner learner = CrossModalLearner.create(cfg);
        Random rnd = new Random(seed * 31 + 1);
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < s.metaTrainSamples(); i++) {
            int d = rnd.nextInt(5);
            String word = WORDS[d];
            // AV-MNIST-style weak pair: an image and a spoken clip of the same digit, different people
            float[] img = data.images()[d].get(rnd.nextInt(data.images()[d].size()));
            float[] clip = data.trainClips()[d].get(rnd.nextInt(data.trainClips()[d].size()));
            batch.add(new Sample("pair-" + i, "pair-" + i, i, Map.of(Modality.VIDEO, img, Modality.AUDIO, clip), word,
                    Set.of(Modality.VIDEO), word));
            if (batch.size() == s.batch()) {
                learner.learn(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            learner.learn(batch);
        }
        return learner;
    }

    @SuppressWarnings("unchecked")
    private static List<float[]>[] supportSet(Data data, int shots, Random rnd) {
        List<float[]>[] support = new List[5];
        for (int c = 0; c < 5; c++) {
            List<float[]> pool = new ArrayList<>(data.trainClips()[5 + c]);
            java.util.Collections.shuffle(pool, rnd);
            support[c] = new ArrayList<>(pool.subList(0, shots));
        }
        return support;
    }

    private static List<Sample> supportSamples(List<float[]>[] support) {
        List<Sample> out = new ArrayList<>();
        for (int c = 0; c < support.length; c++) {
            for (int j = 0; j < support[c].size(); j++) {
                String w = WORDS[5 + c];
                out.add(new Sample("sup-" + c + "-" + j, "sup", 0L, Map.of(Modality.AUDIO, support[c].get(j)), w,
                        Set.of(Modality.AUDIO), w));
            }
        }
        return out;
    }

    /** Query accuracy (%) of nearest-prototype (cosine) classification among the 5 task classes. */
    static double prototypeAccuracy(CrossModalLearner learner, List<float[]>[] support, Data data) {
        int classes = support.length;
        float[][] protos = new float[classes][];
        for (int c = 0; c < classes; c++) {
            float[][] e = learner.embed(Modality.AUDIO, support[c]);
            float[] m = new float[e[0].length];
            for (float[] r : e) {
                for (int i = 0; i < m.length; i++) {
                    m[i] += r[i];
                }
            }
            protos[c] = normalize(m);
        }
        int ok = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            float[][] q = learner.embed(Modality.AUDIO, data.testClips()[5 + c]);
            for (float[] e : q) {
                float[] u = normalize(e.clone());
                int best = 0;
                double bs = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) {
                    double dot = 0;
                    for (int i = 0; i < u.length; i++) {
                        dot += u[i] * protos[k][i];
                    }
                    if (dot > bs) {
                        bs = dot;
                        best = k;
                    }
                }
                ok += best == c ? 1 : 0;
                n++;
            }
        }
        return 100.0 * ok / n;
    }

    private static float[] normalize(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        s = Math.sqrt(s) + 1e-12;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / s);
        }
        return v;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double std(List<Double> v) {
        if (v.size() < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        return Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1));
    }
}
