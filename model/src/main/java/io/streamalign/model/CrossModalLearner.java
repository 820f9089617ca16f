package io.streamalign.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The StreamAlign learner: a {@link CrossModalModel} (encoders, classifier phi, fusion head,
 * prototypes) trained online in River's test-then-train manner by the objectives of CroMA (Liang et
 * al.) and PMR (Fan et al., CVPR 2023), each a named part:
 *
 * <ul>
 *   <li>{@link AlignmentObjective}: CroMA eqs. 2-3, strong and weak pairs;
 *   <li>{@link ReptileStep}: CroMA Algorithm 1's inner loop and outer step, on the encoders
 *       (meta-alignment) and on phi (meta-classification);
 *   <li>{@link PrototypeBank}: PMR eqs. 6 and 12 over every labelled sample;
 *   <li>{@link PmrObjective}: PMR eqs. 7-13 (rho, PCE on the slow modality, PER, the M-modality
 *       rule);
 *   <li>{@link ReplayBuffer}: weak-pair partners, episodes, class-balanced replay.
 * </ul>
 *
 * <p>One {@link #learn} step on a micro-batch B (docs/architecture.md and README, "The learner"):
 *
 * <ol>
 *   <li>test-then-train: every labelled sample is predicted with the current model first (phi over
 *       each modality's embedding, and the fusion head), updating prequential accuracy;
 *   <li>B enters the replay; a class first seen in B gets phi's row imprinted from its mean source
 *       embedding (Qi et al. 2018) before the steps below;
 *   <li>meta-alignment (CroMA Algorithm 1, lines 3-5): copies of the source encoder and of every
 *       other present modality's encoder take {@code innerSteps} Adam steps on the alignment loss,
 *       then {@code meta += eps * (adapted - meta)};
 *   <li>meta-classification (lines 6-9): per modality with labels of two or more classes in the
 *       replay (the source first; CroMA section 4.2's joint set of source and target tasks, the
 *       target's from its k labelled samples), an N-way K-shot episode; a copy of phi takes {@code
 *       innerSteps} Adam steps of cross-entropy on the (fixed) embeddings; {@code phi += eps *
 *       (phi~ - phi)};
 *   <li>the supervised step (SGD with momentum and weight decay, PMR section 5.2) on B plus an
 *       equal class-balanced replay draw: PMR's L_final (eq. 13) = CE of the fusion head over every
 *       present modality + the PMR terms over every labelled sample ({@link PmrObjective}); with
 *       {@code unimodalWeight > 0} (in neither paper; on by default, see LearnerConfig) also {@code
 *       unimodalWeight * CE(phi(e_m))} per labelled modality. The embeddings of B's labelled
 *       samples then enter the prototypes (refreshed with momentum every {@code prototypeEvery}
 *       samples).
 * </ol>
 *
 * A modality present but not labelled in a sample enters the fusion head with its gradient stopped:
 * its encoder learns from its own labels and from the alignment only.
 *
 * <p>rho, beta and gamma of {@link StepReport} are NaN on steps where PMR did not run for both the
 * source and the target modality (PMR eq. 8 needs both).
 *
 * <p>Memory: parameters live in the model's base NDManager; every step runs in a sub-manager that
 * is closed at its end, so native memory stays flat. Guards: a non-finite loss or gradient skips
 * that update (parameters untouched) and is counted in {@link StepReport#skippedNonFinite()}; a
 * parameter that still became non-finite restores the last good parameters. Samples whose features
 * have the wrong size or are not finite are not learned from; {@link #validate} says why.
 *
 * <p>All public methods are synchronized so a serving thread may predict while another swaps or
 * snapshots.
 */
public final class CrossModalLearner implements OnlineLearner {

  private static final Logger LOG = LoggerFactory.getLogger(CrossModalLearner.class);
  static final String FUSED = "FUSED";

  private final LearnerConfig cfg;
  final CrossModalModel model;

  /** The model's parameters (name -> array; the meta parameters). */
  final Map<String, NDArray> params;

  private final Random random;
  final ReplayBuffer replay;
  private final AlignmentObjective alignment;
  private final PmrObjective pmr;
  private final Autograd autograd;
  final ReptileStep reptile;
  private final MomentumSgd outer;
  private final Map<String, long[]> prequential = new LinkedHashMap<>();
  private long samplesSeen;
  private long warmupUntil;
  private long lastPrototypeAt;
  private long skippedNonFinite;
  private long rejected;

  /** Test hook: number of coming updates whose loss is forced to NaN. */
  int injectNonFinite;

  private CrossModalLearner(CrossModalModel model) {
    this.cfg = model.config();
    this.model = model;
    this.params = model.params;
    this.alignment = new AlignmentObjective(cfg);
    this.pmr = PmrObjective.of(cfg);
    this.random = new Random(cfg.seed());
    this.replay = new ReplayBuffer(cfg.reservoirPerClass(), cfg.seed(), random);
    this.autograd = new Autograd(cfg.gradClipNorm());
    this.reptile =
        new ReptileStep(cfg.metaStepSize(), cfg.innerSteps(), this::newInnerOptimizer, autograd);
    this.outer = new MomentumSgd(cfg.learningRate(), cfg.momentum(), cfg.weightDecay());
    this.warmupUntil = cfg.warmupSamples();
  }

  /**
   * Loads the PyTorch engine and its native libraries now (idempotent, thread-safe), so a service
   * can do it on a background thread while it does its Kafka start-up instead of on the first
   * {@link #create} or {@link #restore} (seconds on a busy machine; README.md, "Recovery after a
   * crash").
   */
  public static void preloadEngine() {
    CrossModalModel.preloadEngine();
  }

  /** A new learner with freshly initialized parameters (deterministic given {@code cfg.seed()}). */
  public static CrossModalLearner create(LearnerConfig cfg) {
    new AlignmentObjective(cfg); // validates before native memory is taken
    PmrObjective.of(cfg);
    return new CrossModalLearner(CrossModalModel.create(cfg));
  }

  /**
   * Rebuilds a learner from {@link #snapshot} bytes; verifies magic, format version and sha256. The
   * replay is not in the snapshot: a restored learner starts with an empty memory.
   *
   * @throws SnapshotException on bad bytes
   */
  public static CrossModalLearner restore(byte[] snapshot) {
    SnapshotCodec.Decoded d = SnapshotCodec.decode(snapshot);
    CrossModalModel m = CrossModalModel.from(d);
    try {
      CrossModalLearner l = new CrossModalLearner(m);
      long[] k = d.counters();
      l.samplesSeen = k[0];
      l.warmupUntil = k[1];
      l.lastPrototypeAt = k[2];
      l.skippedNonFinite = k[3];
      l.rejected = k[4];
      d.prequential().forEach((name, v) -> l.prequential.put(name, v.clone()));
      return l;
    } catch (RuntimeException e) {
      m.close();
      throw e instanceof SnapshotException se
          ? se
          : new SnapshotException("inconsistent snapshot: " + e.getMessage(), e);
    }
  }

  /** The configuration stored in snapshot bytes, without building the model (checks sha256). */
  public static LearnerConfig configOf(byte[] snapshot) {
    return SnapshotCodec.header(snapshot).config();
  }

  /**
   * The provenance stored in snapshot bytes (learner class, seed, build version, caller's entries).
   */
  public static Map<String, String> provenanceOf(byte[] snapshot) {
    return SnapshotCodec.header(snapshot).provenance();
  }

  /**
   * Why a sample cannot be learned from or predicted (wrong feature size, non-finite), or empty.
   */
  public static Optional<String> validate(Sample s, LearnerConfig cfg) {
    return CrossModalModel.validate(s, cfg);
  }

  static Device resolveDevice(String name) {
    return CrossModalModel.resolveDevice(name);
  }

  /** The device the learner computes on. */
  public Device device() {
    return model.device();
  }

  /** The servable model this learner trains (shared, not a copy). */
  public CrossModalModel model() {
    return model;
  }

  private Optimizer newInnerOptimizer() {
    // not Optimizer.adam(): a DJL optimizer's state is detached from every manager and is never
    // freed when the optimizer is dropped, once per task here (see InnerAdam, LearnMemoryTest)
    return new InnerAdam((float) cfg.innerLearningRate());
  }

  private NDArray input(NDManager mgr, List<Sample> ss, Modality m) {
    return model.input(mgr, ss, m);
  }

  // ------------------------------------------------------------------------------------------
  // learning

  @Override
  public synchronized StepReport learn(List<Sample> batch) {
    model.ensureOpen();
    long t0 = System.nanoTime();
    List<Sample> valid = new ArrayList<>(batch.size());
    int bad = 0;
    for (Sample s : batch) {
      Optional<String> why = validate(s, cfg);
      if (why.isPresent()) {
        bad++;
        LOG.warn("sample {} not learned from: {}", s.id(), why.get());
      } else {
        valid.add(s);
      }
    }
    rejected += bad;
    Map<String, Double> losses = new LinkedHashMap<>();
    double[] pmrOut = {Double.NaN, Double.NaN, Double.NaN};
    Map<Sample, Boolean> scored = new IdentityHashMap<>();
    if (!valid.isEmpty()) {
      // 1. test-then-train
      try (NDManager sub = model.base.newSubManager()) {
        scorePrequential(sub, valid, scored);
      }
      Set<String> fresh = new LinkedHashSet<>();
      for (Sample s : valid) {
        if (s.label() != null && register(s.label())) fresh.add(s.label());
      }
      // Last good parameters: every write below is checked as a whole after the step; a
      // non-finite parameter restores these and resets the outer optimizer's state. Kept on the
      // device (a copy per parameter, freed with the step's manager), not read to Java.
      NDManager stepMgr = model.base.newSubManager();
      try {
        Map<String, NDArray> lastGood = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
          NDArray copy = e.getValue().duplicate();
          copy.attach(stepMgr);
          lastGood.put(e.getKey(), copy);
        }
        // 2. replay, imprint
        replay.add(valid);
        for (String c : fresh) imprintNewClass(c, valid);
        // 3. meta-alignment
        Double align = metaAlignmentStep(valid);
        if (align != null) losses.put("align", align);
        // 4. meta-classification
        Double metaCls = metaClassificationStep();
        if (metaCls != null) losses.put("meta_cls", metaCls);
        // 5. the prototypes (PMR Algorithm 1: recomputed at each "epoch" start), then the
        // supervised
        // step (fused CE + PMR)
        if (samplesSeen + valid.size() - lastPrototypeAt >= cfg.prototypeEvery()
            || prototypesMissing(valid)) {
          refreshPrototypes();
          lastPrototypeAt = samplesSeen + valid.size();
        }
        supervisedStep(replay.withReplay(valid, model.classes), losses, pmrOut);
        boolean finite;
        try (NDManager check = model.base.newSubManager()) {
          finite = parametersFinite(check);
        }
        if (!finite) {
          for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray good = lastGood.get(e.getKey());
            if (good != null && good.getShape().equals(e.getValue().getShape()))
              e.getValue().set(HostTransfers.floats(good)); // rare: only after a bad step
          }
          outer.reset();
          skippedNonFinite++;
          losses.put("restored", 1.0);
          LOG.warn(
              "a parameter became non-finite during the step: restored the last good parameters");
        }
      } finally {
        stepMgr.close();
      }
      samplesSeen += valid.size();
    }
    if (bad > 0) losses.put("rejected", (double) bad);
    List<Boolean> correct = new ArrayList<>(batch.size());
    for (Sample s : batch) correct.add(scored.get(s));
    return new StepReport(
        valid.size(),
        samplesSeen,
        Collections.unmodifiableMap(losses),
        pmrOut[0],
        pmrOut[1],
        pmrOut[2],
        Collections.unmodifiableMap(prequentialAccuracy()),
        skippedNonFinite,
        (System.nanoTime() - t0) / 1e6,
        Collections.unmodifiableList(correct));
  }

  /** Registers a class; a new class (after the first) restarts PMR's entropy window (eq. 13). */
  private boolean register(String label) {
    if (model.classIndex.containsKey(label)) return false;
    model.registerClass(label);
    if (model.classes.size() > 1)
      warmupUntil = Math.max(warmupUntil, samplesSeen + cfg.warmupSamples());
    return true;
  }

  /**
   * Test-then-train: every labelled sample predicted by the current model (phi or the prototype
   * rule per modality alone, and the fusion head), before it is learned from. The argmax of every
   * group and head is taken on the device and read in one host read.
   */
  private void scorePrequential(
      NDManager mgr, List<Sample> samples, Map<Sample, Boolean> fusedCorrect) {
    int n = model.classes.size();
    Map<Set<Modality>, List<Sample>> groups =
        groupBy(samples, s -> s.label() == null ? null : s.modalities());
    // per group: head name -> argmax array (null while no class is known)
    List<Map<String, NDArray>> heads = new ArrayList<>();
    NDList all = new NDList();
    for (Map.Entry<Set<Modality>, List<Sample>> g : groups.entrySet()) {
      List<Sample> ss = g.getValue();
      Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
      for (Modality m : g.getKey()) emb.put(m, Nets.encode(cfg, params, m, input(mgr, ss, m)));
      Map<String, NDArray> preds = new LinkedHashMap<>();
      for (Map.Entry<Modality, NDArray> e : emb.entrySet()) {
        preds.put(
            e.getKey().name(),
            n == 0 ? null : model.alone(mgr, e.getValue(), e.getKey()).argMax(1));
      }
      if (emb.size() >= 2) {
        preds.put(FUSED, n == 0 ? null : Nets.fuse(cfg, params, emb, n, mgr).argMax(1));
      } else {
        preds.put(FUSED, preds.get(emb.keySet().iterator().next().name()));
      }
      for (NDArray a : preds.values()) {
        if (a != null && all.stream().noneMatch(x -> x == a)) all.add(a);
      }
      heads.add(preds);
    }
    long[] read = all.isEmpty() ? new long[0] : HostTransfers.longs(NDArrays.concat(all));
    Map<NDArray, int[]> values = new IdentityHashMap<>();
    int at = 0;
    for (NDArray a : all) {
      int len = (int) a.size();
      int[] v = new int[len];
      for (int i = 0; i < len; i++) v[i] = (int) read[at + i];
      values.put(a, v);
      at += len;
    }
    int gi = 0;
    for (List<Sample> ss : groups.values()) {
      Map<String, NDArray> preds = heads.get(gi++);
      int[] truth = new int[ss.size()];
      for (int i = 0; i < ss.size(); i++)
        truth[i] = model.classIndex.getOrDefault(ss.get(i).label(), -1);
      int[] fused = preds.get(FUSED) == null ? null : values.get(preds.get(FUSED));
      for (int i = 0; i < ss.size(); i++)
        fusedCorrect.put(ss.get(i), fused != null && truth[i] >= 0 && fused[i] == truth[i]);
      for (Map.Entry<String, NDArray> p : preds.entrySet()) {
        int[] pv = p.getValue() == null ? null : values.get(p.getValue());
        long[] c = prequential.computeIfAbsent(p.getKey(), k -> new long[2]);
        for (int i = 0; i < ss.size(); i++) {
          c[1]++;
          if (pv != null && truth[i] >= 0 && pv[i] == truth[i]) c[0]++;
        }
      }
    }
  }

  /**
   * CroMA Algorithm 1, lines 3-5, on the alignment tasks built from the batch (one per other
   * present modality, {@link AlignmentObjective}); returns the mean inner loss, or null when there
   * is no pair.
   */
  Double metaAlignmentStep(List<Sample> batch) {
    if (!alignment.enabled()) return null;
    Modality src = cfg.sourceModality();
    Set<Modality> others = EnumSet.noneOf(Modality.class);
    for (Sample s : batch) {
      if (s.has(src)) for (Modality m : s.modalities()) if (m != src) others.add(m);
    }
    List<AlignmentObjective.Task> tasks = new ArrayList<>();
    for (Modality t : others) {
      AlignmentObjective.Task task = alignment.task(batch, src, t, replay);
      if (task != null) tasks.add(task);
    }
    if (tasks.isEmpty()) return null;
    Set<String> prefixes = new HashSet<>();
    prefixes.add(Nets.prefix(src));
    for (AlignmentObjective.Task t : tasks) prefixes.add(Nets.prefix(t.target()));
    List<String> names = names(prefixes);
    Double loss =
        reptile.run(
            model.base,
            params,
            names,
            (view, sub) -> {
              NDArray total = null;
              for (AlignmentObjective.Task t : tasks) {
                NDArray es = Nets.encode(cfg, view, src, input(sub, t.sources(), src));
                NDArray et =
                    Nets.encode(cfg, view, t.target(), input(sub, t.targets(), t.target()));
                NDArray pos =
                    sub.create(t.positives(), new Shape(t.sources().size(), t.targets().size()));
                NDArray l = alignment.loss(es, et, pos);
                total = total == null ? l : total.add(l);
              }
              return maybeInject(total);
            },
            "meta-alignment");
    if (loss == null) {
      skippedNonFinite++;
      LOG.warn("meta-alignment: non-finite loss or gradient, update skipped");
    }
    return loss;
  }

  /**
   * CroMA Algorithm 1, lines 6-9, for each modality with labelled samples of two or more classes in
   * the replay, the source first: CroMA trains one classifier phi on the aligned space over "the
   * joint set of classification tasks" of the source and the target modality (section 4.2), the
   * target's through the k labelled target samples of its meta-test; in a stream those arrive over
   * time, so a modality's tasks join as its labels do. Returns the mean loss over the tasks run, or
   * null.
   */
  Double metaClassificationStep() {
    double sum = 0;
    int tasks = 0;
    for (Modality m : Nets.order(cfg)) {
      Double l = metaClassificationStep(m);
      if (l != null) {
        sum += l;
        tasks++;
      }
    }
    return tasks == 0 ? null : sum / tasks;
  }

  /**
   * One classification task of modality m: an N-way K-shot episode of m's labelled samples from the
   * replay; phi is copied, takes innerSteps Adam steps of cross-entropy on the fixed embeddings
   * (logits restricted to the episode's classes), then phi <- phi + eps * (phi~ - phi). Returns the
   * mean inner loss, or null when there is no episode (or a non-finite step).
   */
  Double metaClassificationStep(Modality m) {
    ReplayBuffer.Episode ep =
        replay.episode(m, model.classes, cfg.episodeWays(), cfg.episodeShots());
    if (ep == null) return null;
    int n = model.classes.size();
    List<Integer> labels = ep.shots().stream().map(s -> model.classIndex.get(s.label())).toList();
    try (NDManager taskMgr = model.base.newSubManager()) {
      NDArray emb =
          Nets.encode(cfg, params, m, input(taskMgr, ep.shots(), m)); // e_m fixed (no grad)
      NDArray oneHot = oneHot(taskMgr, labels, n);
      float[] maskv = new float[n];
      java.util.Arrays.fill(maskv, -1e4f);
      for (String c : ep.ways()) maskv[model.classIndex.get(c)] = 0f;
      NDArray mask = taskMgr.create(maskv, new Shape(1, n));
      Double loss =
          reptile.run(
              taskMgr,
              params,
              List.of("phi.w", "phi.b"),
              (view, sub) ->
                  maybeInject(Losses.crossEntropy(Nets.classify(view, emb, n).add(mask), oneHot)),
              "meta-classification " + m);
      if (loss == null) {
        skippedNonFinite++;
        LOG.warn("meta-classification ({}): non-finite loss or gradient, update skipped", m);
      }
      return loss;
    }
  }

  /**
   * The supervised step over {@code batch} (B plus replay): per group of samples with the same
   * present and labelled modalities, the fusion head's cross-entropy (PMR eq. 2; an unlabelled
   * present modality enters with its gradient stopped) and, when {@code unimodalWeight > 0}, phi's
   * cross-entropy on each labelled modality; plus {@link PmrObjective} over every labelled sample
   * of each modality whose class has a prototype of it.
   */
  private void supervisedStep(List<Sample> batch, Map<String, Double> losses, double[] pmrOut) {
    int n = model.classes.size();
    if (n == 0) return;
    Map<List<Set<Modality>>, List<Sample>> groups =
        groupBy(
            batch,
            s -> {
              if (s.label() == null) return null;
              Set<Modality> g = EnumSet.noneOf(Modality.class);
              for (Modality m : s.labeled()) if (s.has(m)) g.add(m);
              return g.isEmpty() ? null : List.of(EnumSet.copyOf(s.modalities()), g);
            });
    if (groups.isEmpty()) return;
    boolean uni = cfg.unimodalWeight() > 0;
    Set<String> prefixes = new HashSet<>(List.of("fuse."));
    if (uni) prefixes.add("phi.");
    for (List<Set<Modality>> g : groups.keySet())
      for (Modality m : g.get(1)) prefixes.add(Nets.prefix(m));
    List<String> names = names(prefixes);
    Map<String, NDArray> trainable = new LinkedHashMap<>();
    for (String x : names) trainable.put(x, params.get(x));
    int total = groups.values().stream().mapToInt(List::size).sum();
    boolean warmup = samplesSeen < warmupUntil;
    Map<String, Double> parts = new LinkedHashMap<>();
    List<Part> reported = new ArrayList<>(); // the step report's loss parts, read with the pass
    boolean[] empty = {false};
    try (NDManager sub = model.base.newSubManager()) {
      Autograd.Pass pass =
          autograd.backward(
              sub,
              params,
              trainable,
              (view, probes) -> {
                NDArray loss = null;
                Map<Modality, List<NDArray>> zs = new EnumMap<>(Modality.class);
                Map<Modality, List<String>> ys = new EnumMap<>(Modality.class);
                for (Map.Entry<List<Set<Modality>>, List<Sample>> g : groups.entrySet()) {
                  List<Sample> ss = g.getValue();
                  List<Integer> y = ss.stream().map(s -> model.classIndex.get(s.label())).toList();
                  NDArray oneHot = oneHot(sub, y, n);
                  Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
                  for (Modality m : g.getKey().get(1))
                    emb.put(m, Nets.encode(cfg, view, m, input(sub, ss, m)));
                  Map<Modality, NDArray> all = new EnumMap<>(Modality.class);
                  all.putAll(emb);
                  for (Modality m : g.getKey().get(0)) {
                    if (!all.containsKey(m))
                      all.put(m, Nets.encode(cfg, params, m, input(sub, ss, m)).stopGradient());
                  }
                  double w = ss.size() / (double) total;
                  NDArray gl = null;
                  if (all.size() >= 2) { // PMR eq. 2 on the fusion head
                    NDArray fused = Losses.crossEntropy(Nets.fuse(cfg, view, all, n, sub), oneHot);
                    reported.add(new Part("fused_ce", probes.size(), w));
                    probes.add(fused);
                    gl = fused;
                  }
                  if (uni) { // ablation: phi's cross-entropy on each labelled modality (in neither
                    // paper)
                    for (NDArray e : emb.values()) {
                      NDArray ce = Losses.crossEntropy(Nets.classify(view, e, n), oneHot);
                      reported.add(new Part("uni_ce", probes.size(), w));
                      probes.add(ce);
                      ce = Ops.mul(ce, cfg.unimodalWeight());
                      gl = gl == null ? ce : gl.add(ce);
                    }
                  }
                  if (gl != null) {
                    gl = Ops.mul(gl, w);
                    loss = loss == null ? gl : loss.add(gl);
                  }
                  for (Map.Entry<Modality, NDArray> e : emb.entrySet()) {
                    Modality m = e.getKey();
                    List<Integer> keep = new ArrayList<>();
                    for (int i = 0; i < ss.size(); i++) {
                      if (model.prototypes.has(m, ss.get(i).label())) keep.add(i);
                    }
                    if (keep.isEmpty()) continue;
                    zs.computeIfAbsent(m, k -> new ArrayList<>())
                        .add(
                            keep.size() == ss.size()
                                ? e.getValue()
                                : e.getValue()
                                    .get(
                                        sub.create(
                                            keep.stream()
                                                .mapToLong(Integer::longValue)
                                                .toArray())));
                    for (int i : keep)
                      ys.computeIfAbsent(m, k -> new ArrayList<>()).add(ss.get(i).label());
                  }
                }
                NDArray p = pmrTerms(sub, zs, ys, warmup, reported, probes, pmrOut);
                if (p != null) loss = loss == null ? p : loss.add(p);
                if (loss
                    == null) { // nothing to learn from in this batch: a zero loss, and no update
                  // below
                  empty[0] = true;
                  loss = Ops.mul(view.get(names.get(0)).sum(), 0.0);
                }
                return maybeInject(loss);
              },
              "supervised step");
      for (Part part : reported)
        add(
            parts,
            part.key(),
            part.probe() < 0 ? 0.0 : pass.probes()[part.probe()] * part.weight());
      if (pass.grads() == null) {
        skippedNonFinite++;
        LOG.warn(
            "supervised step: non-finite loss or gradient (loss {}, terms {}), update skipped",
            pass.loss(),
            parts);
        return;
      }
      if (!empty[0]) for (String x : names) outer.update(x, params.get(x), pass.grads().get(x));
      losses.putAll(parts);
      losses.put("total", (double) pass.loss());
    }
  }

  /** Whether a sample of the batch is labelled in a modality its class has no prototype of yet. */
  private boolean prototypesMissing(List<Sample> batch) {
    for (Sample s : batch) {
      if (s.label() == null) continue;
      for (Modality m : s.labeled())
        if (s.has(m) && !model.prototypes.has(m, s.label())) return true;
    }
    return false;
  }

  /**
   * PMR eqs. 6 and 12, at each "epoch" start of the stream (every {@code prototypeEvery} samples,
   * and at once when a class or modality has no prototype yet): the centroid c_new of every
   * labelled sample of each class and modality in the replay memory (the stream's training set so
   * far), embedded by the <em>current</em> encoders, blended in with momentum {@code c <- eps *
   * c_old + (1 - eps) * c_new}; a class's first centroid is c_new itself. The paper takes a random
   * tenth of its training set for speed; a stream's scarce labels make a tenth a handful (one audio
   * sample per digit in the stream protocol), so every labelled member is used. Centroids of
   * embeddings from earlier encoders would go stale as alignment moves the encoders, and PCE would
   * then pull a modality towards where its classes used to be.
   */
  void refreshPrototypes() {
    int d = cfg.embeddingDim();
    for (Modality m : Modality.values()) {
      List<String> labels = new ArrayList<>();
      List<float[]> xs = new ArrayList<>();
      for (String c : model.classes) {
        for (Sample s : replay.ofClass(c)) {
          if (s.has(m) && s.labeled().contains(m)) {
            labels.add(c);
            xs.add(s.features().get(m));
          }
        }
      }
      if (xs.isEmpty()) continue;
      float[][] e = model.embed(m, xs);
      float[] flat = new float[e.length * d];
      for (int i = 0; i < e.length; i++) System.arraycopy(e[i], 0, flat, i * d, d);
      model.prototypes.observe(m, labels, flat);
    }
    model.prototypes.refresh(cfg.prototypeMomentum());
  }

  /**
   * PMR over every labelled sample whose class has a prototype: per modality m (in {@link
   * Nets#order}), its embeddings, the prototypes of every class m has one for, and one-hot labels
   * over those; {@link PmrObjective} when two or more modalities take part. Records rho and the
   * source and target coefficients in {@code pmrOut}.
   */
  private NDArray pmrTerms(
      NDManager sub,
      Map<Modality, List<NDArray>> zs,
      Map<Modality, List<String>> ys,
      boolean warmup,
      List<Part> reported,
      List<NDArray> probes,
      double[] pmrOut) {
    if (LearnerConfig.PMR_NONE.equals(cfg.pmrRule())) return null;
    List<Modality> mods = new ArrayList<>();
    List<PmrObjective.Input> inputs = new ArrayList<>();
    for (Modality m : Nets.order(cfg)) {
      if (!zs.containsKey(m)) continue;
      List<String> known = new ArrayList<>();
      for (String c : model.classes) if (model.prototypes.has(m, c)) known.add(c);
      if (known.size() < 2) continue;
      List<Integer> y = ys.get(m).stream().map(known::indexOf).toList();
      NDArray z =
          zs.get(m).size() == 1 ? zs.get(m).get(0) : NDArrays.concat(new NDList(zs.get(m)), 0);
      mods.add(m);
      inputs.add(
          new PmrObjective.Input(
              z, model.prototypes.matrix(sub, m, known), oneHot(sub, y, known.size())));
    }
    if (inputs.size() < 2) return null;
    List<NDArray> pceTerms = new ArrayList<>();
    List<NDArray> perTerms = new ArrayList<>();
    PmrObjective.Result r = pmr.terms(inputs, warmup, pceTerms, perTerms);
    // the weighted parts' values are read with the backward pass (probes); a kind without a term
    // is reported as 0, as when it was read here
    reported.add(new Part("pce", -1, 1));
    for (NDArray t : pceTerms) {
      reported.add(new Part("pce", probes.size(), 1));
      probes.add(t);
    }
    reported.add(new Part("per", -1, 1));
    for (NDArray t : perTerms) {
      reported.add(new Part("per", probes.size(), 1));
      probes.add(t);
    }
    int si = mods.indexOf(cfg.sourceModality());
    int ti = mods.indexOf(cfg.targetModality());
    if (si >= 0 && ti >= 0) {
      pmrOut[0] = Pmr.rho(r.s()[si], r.s()[ti]);
      pmrOut[1] = r.coefficients().kappa()[si];
      pmrOut[2] = r.coefficients().kappa()[ti];
    }
    return r.loss();
  }

  /** A loss part of the step report: its value is probe {@code probe} times weight (-1: 0). */
  private record Part(String key, int probe, double weight) {}

  private static void add(Map<String, Double> m, String k, double v) {
    m.merge(k, v, Double::sum);
  }

  private List<String> names(Set<String> prefixes) {
    return params.keySet().stream().filter(n -> prefixes.stream().anyMatch(n::startsWith)).toList();
  }

  /**
   * Whether every parameter is finite, reduced on the device and read once: {@code sum(w * 0)} is
   * NaN exactly when w holds a NaN or an infinity (and never overflows), so the sum over all
   * parameters of those sums is finite iff every value is.
   */
  private boolean parametersFinite(NDManager mgr) {
    NDList zeros = new NDList();
    for (NDArray w : params.values()) {
      NDArray z = w.mul(0f);
      z.attach(mgr);
      NDArray s = z.sum().reshape(1);
      s.attach(mgr);
      zeros.add(s);
    }
    NDArray all = NDArrays.concat(zeros).sum();
    all.attach(mgr);
    return Float.isFinite(HostTransfers.scalar(all));
  }

  private NDArray maybeInject(NDArray loss) {
    if (injectNonFinite > 0) {
      injectNonFinite--;
      return Ops.mul(loss, Double.NaN);
    }
    return loss;
  }

  /**
   * Drift (called by the trainer's detector): PMR's warm-up window restarts, so the entropy
   * regularization (PMR eq. 13) applies again for {@code warmupSamples} samples, and the prototypes
   * are recomputed from the current encoders over the whole class reservoirs (PMR eq. 6) and
   * replace the old ones instead of being blended in with momentum (eq. 12): the old centroids
   * describe the distribution before the drift.
   */
  @Override
  public synchronized void onDrift() {
    model.ensureOpen();
    warmupUntil = samplesSeen + cfg.warmupSamples();
    prototypesFromReplay();
    lastPrototypeAt = samplesSeen;
    LOG.info("drift: PMR warm-up restarted until {} samples, prototypes refreshed", warmupUntil);
  }

  /** Whether PMR's entropy terms (eq. 13) apply to the next supervised step. */
  synchronized boolean inWarmup() {
    return samplesSeen < warmupUntil;
  }

  /**
   * PMR eq. 6 over the whole replay of each class under the current encoders, replacing the
   * prototypes.
   */
  private void prototypesFromReplay() {
    for (String c : model.classes) {
      for (Modality m : Modality.values()) {
        List<float[]> xs = new ArrayList<>();
        for (Sample s : replay.ofClass(c))
          if (s.has(m) && s.labeled().contains(m)) xs.add(s.features().get(m));
        if (!xs.isEmpty()) model.prototypes.put(m, c, CrossModalModel.mean(model.embed(m, xs)));
      }
    }
  }

  /**
   * Weight imprinting of a class that first appears in a batch (Qi et al., "Low-Shot Learning with
   * Imprinted Weights", CVPR 2018): phi's new row (and its fusion slot) is set from the mean source
   * embedding of the batch's labelled samples of the class, the way {@link #enroll} does, instead
   * of a near-zero random row that the supervised step needs many batches to grow. Only when at
   * least two classes are known.
   */
  private void imprintNewClass(String c, List<Sample> batch) {
    if (model.classes.size() < 2) return;
    Modality m = cfg.sourceModality();
    float[] mean = meanLabeledEmbedding(c, m, batch);
    if (mean == null) return;
    float[][] center = modalityCenter(m);
    // The imprint divides by the embeddings' spread around their centre (CrossModalModel.imprint)
    // and scales by the mean norm of the rows already there. The max-pooled video encoder's
    // embeddings stay bunched (spread 0.1-0.4 on the demo's stream, against 0.5 for the digit
    // data's flattened-map encoder): each new row came out several times the others, the next
    // imprint took that as its scale, the supervised step's loss grew to 10^6 and video alone
    // stayed at chance. With that encoder a new row is never amplified above the rows already
    // learned: the spread counts as at least 1 (README, "The learner"). With the default encoder
    // the imprint is as it was (measured: flooring it there cost EnrollTest's and ContractTest's
    // enrolment one clip each).
    if (center != null
        && m == Modality.VIDEO
        && cfg.videoEncoder().equals(LearnerConfig.VIDEO_MAXPOOL))
      center[1][0] = Math.max(center[1][0], 1f);
    model.imprintRows(model.classIndex.get(c), m, mean, center);
  }

  /**
   * Mean embedding of the samples of class c labelled and present in modality m, or null if none.
   */
  private float[] meanLabeledEmbedding(String c, Modality m, List<Sample> samples) {
    List<float[]> xs = new ArrayList<>();
    for (Sample s : samples)
      if (c.equals(s.label()) && s.has(m) && s.labeled().contains(m)) xs.add(s.features().get(m));
    return xs.isEmpty() ? null : CrossModalModel.mean(model.embed(m, xs));
  }

  /**
   * The centre of modality m's embeddings over the replay (every stored sample having m, labelled
   * or not) and their mean distance to it, as {mu, {radius}}; null with fewer than 10 such samples.
   */
  private float[][] modalityCenter(Modality m) {
    List<Sample> have = new ArrayList<>();
    for (List<Sample> pool : replay.classes().values())
      for (Sample s : pool) if (s.has(m)) have.add(s);
    if (have.size() < 10) return null;
    Collections.shuffle(have, new Random(cfg.seed() + have.size()));
    List<float[]> xs =
        have.subList(0, Math.min(500, have.size())).stream().map(s -> s.features().get(m)).toList();
    float[][] e = model.embed(m, xs);
    float[] mu = CrossModalModel.mean(e);
    double rad = 0;
    for (float[] r : e) {
      double q = 0;
      for (int i = 0; i < mu.length; i++) q += (r[i] - mu[i]) * (r[i] - mu[i]);
      rad += Math.sqrt(q) / e.length;
    }
    return new float[][] {mu, {(float) Math.max(rad, 1e-3)}};
  }

  // ------------------------------------------------------------------------------------------
  // prediction and few-shot

  /** {@inheritDoc} See {@link CrossModalModel#predict}. */
  @Override
  public synchronized Inference predict(Sample sample) {
    return model.predict(sample);
  }

  @Override
  public synchronized List<Inference> predictBatch(List<Sample> samples) {
    return model.predictBatch(samples);
  }

  /** The aligned-space embeddings of samples having modality m (rows in input order). */
  public synchronized float[][] embed(Modality m, List<float[]> inputs) {
    return model.embed(m, inputs);
  }

  /**
   * {@link CrossModalModel#enroll}, with the learned classes' prototypes first recomputed as full
   * means of their labelled replay members under the current encoders (PMR eq. 6 without momentum),
   * so they compete with the enrolled k-example mean on equal terms, and phi's row imprinted
   * centred on the replay's centre of that modality.
   */
  @Override
  public synchronized void enroll(String className, Modality modality, List<float[]> examples) {
    model.ensureOpen();
    if (className != null && examples != null && !examples.isEmpty()) prototypesFromReplay();
    boolean isNew = className != null && !model.classIndex.containsKey(className);
    model.enroll(className, modality, examples, modalityCenter(modality));
    if (isNew && model.classes.size() > 1)
      warmupUntil = Math.max(warmupUntil, samplesSeen + cfg.warmupSamples());
  }

  /**
   * CroMA meta-test: a copy of this learner whose target-side encoders and phi are fine-tuned from
   * the meta parameters with {@code steps} Adam steps (inner learning rate) of cross-entropy on the
   * support set (every labelled modality of each support sample). This learner is not changed.
   */
  public synchronized CrossModalLearner adapt(List<Sample> support, int steps) {
    model.ensureOpen();
    CrossModalLearner copy = restore(snapshot(Map.of("adaptedFrom", "meta")));
    try {
      copy.fineTune(support, steps);
    } catch (RuntimeException e) {
      copy.close();
      throw e;
    }
    return copy;
  }

  private void fineTune(List<Sample> support, int steps) {
    List<Sample> valid = new ArrayList<>();
    for (Sample s : support) {
      if (s.label() != null && validate(s, cfg).isEmpty() && !s.labeled().isEmpty()) valid.add(s);
    }
    if (valid.isEmpty())
      throw new IllegalArgumentException("support set has no valid labeled sample");
    Set<String> fresh = new LinkedHashSet<>();
    for (Sample s : valid) if (register(s.label())) fresh.add(s.label());
    // new classes start from an imprint of their support embeddings (as in learn), then fine-tune
    for (String c : fresh) {
      for (Modality m : Nets.order(cfg)) {
        float[] mean = meanLabeledEmbedding(c, m, valid);
        if (mean == null) continue;
        model.imprintRows(model.classIndex.get(c), m, mean, modalityCenter(m));
        break;
      }
    }
    int n = model.classes.size();
    Set<String> prefixes = new HashSet<>(List.of("phi."));
    for (Sample s : valid)
      for (Modality m : s.labeled()) if (s.has(m)) prefixes.add(Nets.prefix(m));
    List<String> names = names(prefixes);
    Map<String, NDArray> trainable = new LinkedHashMap<>();
    for (String x : names) trainable.put(x, params.get(x));
    Optimizer adam = newInnerOptimizer();
    for (int step = 0; step < steps; step++) {
      try (NDManager sub = model.base.newSubManager()) {
        Autograd.Pass p =
            autograd.backward(
                sub,
                params,
                trainable,
                view -> {
                  NDArray loss = null;
                  for (Modality m : Modality.values()) {
                    List<Sample> ss =
                        valid.stream().filter(s -> s.has(m) && s.labeled().contains(m)).toList();
                    if (ss.isEmpty()) continue;
                    List<Integer> y =
                        ss.stream().map(s -> model.classIndex.get(s.label())).toList();
                    NDArray ce =
                        Losses.crossEntropy(
                            Nets.classify(view, Nets.encode(cfg, view, m, input(sub, ss, m)), n),
                            oneHot(sub, y, n));
                    loss = loss == null ? ce : loss.add(ce);
                  }
                  return loss;
                },
                "adapt");
        if (p.grads() == null) {
          skippedNonFinite++;
          continue;
        }
        for (String x : names) adam.update(x, params.get(x), p.grads().get(x));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // state

  @Override
  public synchronized List<String> classes() {
    return model.classes();
  }

  @Override
  public synchronized long samplesSeen() {
    return samplesSeen;
  }

  @Override
  public LearnerConfig config() {
    return cfg;
  }

  /** Prequential accuracy so far per modality name and "FUSED". */
  public synchronized Map<String, Double> prequentialAccuracy() {
    Map<String, Double> acc = new LinkedHashMap<>();
    prequential.forEach(
        (k, c) -> {
          if (c[1] > 0) acc.put(k, c[0] / (double) c[1]);
        });
    return acc;
  }

  /** Updates (supervised or inner steps) whose gradients were clipped to {@code gradClipNorm}. */
  public synchronized long clippedUpdates() {
    return autograd.clippedUpdates();
  }

  /** Updates skipped because a loss or gradient was not finite. */
  public synchronized long skippedNonFinite() {
    return skippedNonFinite;
  }

  /** Samples not learned from because of bad features. */
  public synchronized long rejectedSamples() {
    return rejected;
  }

  /**
   * Number of NDArrays currently held by this learner's native memory manager (for leak checks).
   */
  public synchronized int openArrays() {
    return model.openArrays();
  }

  /** Shapes and owners of the arrays the base manager holds (debugging leaks). */
  synchronized List<String> debugArrays() {
    List<String> out = new ArrayList<>();
    for (NDArray a : model.base.getManagedArrays())
      out.add(a.getShape() + "@" + a.getManager().getName() + "/" + a.getUid());
    return out;
  }

  @Override
  public synchronized byte[] snapshot(Map<String, String> provenance) {
    return snapshotLater(provenance).get();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here the parameters' values are copied to Java now (the one read of them, under the
   * learner's lock); the encoding and its sha256 run when the supplier is called, on the caller's
   * thread.
   */
  @Override
  public synchronized java.util.function.Supplier<byte[]> snapshotLater(
      Map<String, String> provenance) {
    model.ensureOpen();
    Map<String, String> prov = new LinkedHashMap<>();
    if (provenance != null) prov.putAll(provenance);
    prov.put("learnerClass", getClass().getName());
    Map<String, long[]> preq = new LinkedHashMap<>();
    prequential.forEach((k, v) -> preq.put(k, v.clone()));
    return model.capture(
        prov,
        new long[] {samplesSeen, warmupUntil, lastPrototypeAt, skippedNonFinite, rejected},
        preq);
  }

  @Override
  public synchronized void close() {
    model.close();
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  static NDArray oneHot(NDManager mgr, List<Integer> labels, int n) {
    float[] v = new float[labels.size() * n];
    for (int i = 0; i < labels.size(); i++) v[i * n + labels.get(i)] = 1f;
    return mgr.create(v, new Shape(labels.size(), n));
  }

  private static <K> Map<K, List<Sample>> groupBy(
      List<Sample> samples, java.util.function.Function<Sample, K> key) {
    Map<K, List<Sample>> out = new LinkedHashMap<>();
    for (Sample s : samples) {
      K k = key.apply(s);
      if (k != null) out.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
    }
    return out;
  }
}
