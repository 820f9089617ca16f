package io.streamalign.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
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
 * The StreamAlign learner: per-modality encoders into an aligned, L2-normalized space R^d, a
 * classifier phi on that space, a fusion head, momentum class prototypes, CroMA meta-alignment and
 * meta-classification, and PMR rebalancing, trained online in River's test-then-train manner.
 *
 * <p>One {@link #learn} step on a micro-batch B (docs/architecture.md, "The learner"):
 *
 * <ol>
 *   <li>test-then-train: every labeled sample is predicted with the current model first (phi over
 *       each modality's embedding, and the fusion head), updating prequential accuracy;
 *   <li>B is appended to bounded per-class (and per-concept-group) reservoirs;
 *   <li>meta-alignment (CroMA Algorithm 1, eqs. 2-3): copies of the encoders of the source and of
 *       every other present modality take {@code innerSteps} Adam steps on the alignment loss over
 *       strong pairs (one sample's modalities) and weak pairs (same concept group, some drawn from
 *       the reservoirs), negatives outside the pair set; then {@code meta += eps * (adapted -
 *       meta)} for <em>every</em> encoder involved;
 *   <li>meta-classification: an N-way K-shot episode of the source modality from the reservoirs; a
 *       copy of phi takes {@code innerSteps} Adam steps of cross-entropy; {@code phi += eps * (phi~
 *       - phi)};
 *   <li>the supervised step (SGD with momentum and weight decay) on the labeled samples of B plus
 *       an equal number replayed class-balanced from the reservoirs ({@link #withReplay}):
 *       CE(fusion over every present modality) + unimodalWeight * sum_m CE(phi(e_m)) over the
 *       labeled modalities + PMR terms (eqs. 6-13) over samples labeled for two or more modalities,
 *       with prototypes over a replay subset, refreshed with momentum every {@code prototypeEvery}
 *       samples.
 * </ol>
 *
 * A class that first appears in B gets phi's row imprinted from its samples' mean embedding ({@link
 * #imprintNewClass}) before the meta and supervised steps.
 *
 * <p>Class-incremental streams (the demo: a new class every ~100 moments, streams holding one class
 * for a segment, audio labeled for 5 samples per class) used to lose accuracy to below chance as
 * classes were added: the supervised step saw only the current batch (forgetting, newest class
 * favoured), the fusion head was trained only on the few samples labeled for every modality (so
 * fused predictions were nearly untrained), and a new class's row started at ~0. The replay, the
 * fusion head on every labeled sample (an unlabeled modality's embedding enters with its gradient
 * stopped: its encoder learns only from its own labels and the alignment) and the imprint fix that
 * (see ClassIncrementalTest).
 *
 * <p>rho, beta and gamma of {@link StepReport} are NaN on steps without a sample labeled for both
 * the source and target modality (PMR eq. 8 cannot be computed); the replay includes such samples
 * when the reservoirs have them, so they are reported on most steps once a few exist. The unimodal
 * term is our addition for the streaming setting: phi must keep tracking encoders that never stop
 * moving, and it is what lets phi classify a target-only sample through the aligned space (a
 * modality's label term applies only when that modality is in {@link Sample#labeled()}).
 *
 * <p>Memory: parameters live in one base NDManager; every step runs in a sub-manager that is closed
 * at its end, so native memory stays flat. Reptile copies live in a per-task sub-manager together
 * with their fresh Adam state.
 *
 * <p>Guards: a non-finite loss or gradient skips that update (parameters untouched) and is counted
 * in {@link StepReport#skippedNonFinite()}. Samples whose features have the wrong size or are not
 * finite are not learned from; {@link #validate} says why (callers can dead-letter them).
 *
 * <p>Not thread-safe for concurrent learning; all public methods are synchronized so a serving
 * thread may predict while another swaps or snapshots.
 */
public final class CrossModalLearner implements OnlineLearner {

  private static final Logger LOG = LoggerFactory.getLogger(CrossModalLearner.class);
  static final String FUSED = "FUSED";

  /** Provenance entry listing enrolled classes, one "MODALITY\tclass" per line. */
  static final String ENROLLED_KEY = "enrolledClasses";

  private static final int TOP_K = 5;

  /**
   * DJL's PyTorch gradient collector is JVM-global (only one may collect at a time), so learners in
   * one JVM (e.g. a trainer and a serving-side {@link #adapt}) take turns for their backward
   * passes.
   */
  private static final Object GRAD_LOCK = new Object();

  private final LearnerConfig cfg;
  private final Device device;
  private final NDManager base;

  /** Name -> parameter (meta parameters: what predict uses). */
  final Map<String, NDArray> params = new LinkedHashMap<>();

  private final List<String> classes = new ArrayList<>();
  private final Map<String, Integer> classIndex = new HashMap<>();

  /** PMR momentum prototypes: modality -> class -> centroid (eqs. 6, 12). */
  final Map<Modality, Map<String, float[]>> prototypes = new EnumMap<>(Modality.class);

  private final Map<String, long[]> prequential = new LinkedHashMap<>();

  /**
   * Classes added by {@link #enroll}, with the modality they were enrolled from (kept in snapshots'
   * provenance).
   */
  private final Map<String, Modality> enrolled = new LinkedHashMap<>();

  private final Reservoirs byClass;
  private final Reservoirs byGroup;
  private final Random random;
  private final MomentumSgd outer;
  private int capacity;
  private int generation;
  private long samplesSeen;
  private long warmupUntil;
  private long lastPrototypeAt = Long.MIN_VALUE / 2;
  private long skippedNonFinite;

  /** Updates whose gradients were scaled down to {@code gradClipNorm}. */
  private long clippedUpdates;

  private long rejected;
  private boolean closed;

  /** Test hook: number of coming updates whose loss is forced to NaN. */
  int injectNonFinite;

  /** Test hook: when true, the meta steps record the adapted (pre-Reptile) parameter values. */
  boolean captureAdapted;

  Map<String, float[]> lastAdapted;

  private CrossModalLearner(LearnerConfig cfg, boolean initialize) {
    this.cfg = cfg;
    Nets.fusion(cfg); // validates the fusion name early
    String loss = cfg.alignmentLoss().toLowerCase();
    if (!Set.of("margin", "infonce", "none").contains(loss)) {
      throw new IllegalArgumentException(
          "unknown alignmentLoss '" + cfg.alignmentLoss() + "' (margin, infonce, none)");
    }
    if (!Set.of(LearnerConfig.PMR_CLIP, LearnerConfig.PMR_SWITCH, LearnerConfig.PMR_NONE)
        .contains(cfg.pmrRule())) {
      throw new IllegalArgumentException(
          "unknown pmrRule '" + cfg.pmrRule() + "' (clip, switch, none)");
    }
    this.device = resolveDevice(cfg.device());
    this.base = NDManager.newBaseManager(device, "PyTorch");
    this.random = new Random(cfg.seed());
    this.byClass = new Reservoirs(cfg.reservoirPerClass(), new Random(cfg.seed() + 1));
    this.byGroup = new Reservoirs(cfg.reservoirPerClass(), new Random(cfg.seed() + 2));
    this.capacity = cfg.classCapacity();
    this.warmupUntil = cfg.warmupSamples();
    if (initialize) {
      for (Map.Entry<String, Shape> e : Nets.shapes(cfg, capacity).entrySet()) {
        params.put(
            e.getKey(), base.create(Nets.init(e.getKey(), e.getValue(), cfg.seed()), e.getValue()));
      }
    }
    this.outer = new MomentumSgd(cfg.learningRate(), cfg.momentum(), cfg.weightDecay());
  }

  /**
   * Loads the PyTorch engine and its native libraries now (idempotent, thread-safe), so a service
   * can do it on a background thread while it does its Kafka start-up instead of on the first
   * {@link #create} or {@link #restore} (seconds on a busy machine; README.md, "Recovery after a
   * crash").
   */
  public static void preloadEngine() {
    Engine.getEngine("PyTorch");
  }

  /** A new learner with freshly initialized parameters (deterministic given {@code cfg.seed()}). */
  public static CrossModalLearner create(LearnerConfig cfg) {
    return new CrossModalLearner(cfg, true);
  }

  /**
   * Rebuilds a learner from {@link #snapshot} bytes; verifies magic, format version and sha256.
   *
   * @throws SnapshotException on bad bytes
   */
  public static CrossModalLearner restore(byte[] snapshot) {
    SnapshotCodec.Decoded d = SnapshotCodec.decode(snapshot);
    CrossModalLearner l = new CrossModalLearner(d.config(), false);
    try {
      l.load(d);
    } catch (RuntimeException e) {
      l.close();
      throw e instanceof SnapshotException se
          ? se
          : new SnapshotException("inconsistent snapshot: " + e.getMessage(), e);
    }
    return l;
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
    for (Map.Entry<Modality, float[]> e : s.features().entrySet()) {
      float[] v = e.getValue();
      int want = cfg.featureSize(e.getKey());
      if (v == null) return Optional.of(e.getKey() + " features are null");
      if (v.length != want) {
        return Optional.of(e.getKey() + " features have " + v.length + " values, expected " + want);
      }
      for (float f : v) {
        if (!Float.isFinite(f))
          return Optional.of(e.getKey() + " features contain a non-finite value");
      }
    }
    return Optional.empty();
  }

  static Device resolveDevice(String name) {
    String n = name == null ? "auto" : name.trim().toLowerCase();
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    if (n.equals("auto")) return gpus > 0 ? Device.gpu() : Device.cpu();
    if (n.equals("cpu")) return Device.cpu();
    if (n.startsWith("gpu")) {
      int id = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
      if (gpus <= id) {
        throw new IllegalStateException(
            "device '"
                + name
                + "' requested but DJL's PyTorch engine sees "
                + gpus
                + " GPU(s); use device=cpu or auto, or install a CUDA PyTorch native build");
      }
      return Device.gpu(id);
    }
    throw new IllegalArgumentException("unknown device '" + name + "' (auto, cpu, gpu, gpu:N)");
  }

  /** The device the learner computes on. */
  public Device device() {
    return device;
  }

  private Optimizer newInnerOptimizer() {
    // not Optimizer.adam(): a DJL optimizer's state is detached from every manager and is never
    // freed when the optimizer is dropped, once per task here (see InnerAdam, LearnMemoryTest)
    return new InnerAdam((float) cfg.innerLearningRate());
  }

  // ------------------------------------------------------------------------------------------
  // learning

  @Override
  public synchronized StepReport learn(List<Sample> batch) {
    ensureOpen();
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
    double[] pmr = {Double.NaN, Double.NaN, Double.NaN};
    Map<Sample, Boolean> scored = new IdentityHashMap<>();
    if (!valid.isEmpty()) {
      // 1. test-then-train
      try (NDManager sub = base.newSubManager()) {
        scorePrequential(sub, valid, scored);
      }
      Set<String> fresh = new LinkedHashSet<>();
      for (Sample s : valid) {
        if (s.label() != null && !classIndex.containsKey(s.label())) fresh.add(s.label());
        if (s.label() != null) registerClass(s.label());
      }
      // Last good parameters: every write below (imprint, Reptile, prototypes, the optimizers) is
      // checked as a whole after the step; a non-finite parameter restores these and resets the
      // outer optimizer's state, so one bad step can never leave the learner stuck on NaN.
      Map<String, float[]> lastGood = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : params.entrySet())
        lastGood.put(e.getKey(), e.getValue().toFloatArray());
      // 2. replay
      for (Sample s : valid) {
        if (s.label() != null) byClass.add(s.label(), s);
        if (s.conceptGroup() != null) byGroup.add(s.conceptGroup(), s);
      }
      for (String c : fresh) imprintNewClass(c, valid);
      // 3. meta-alignment
      Double align = metaAlignmentStep(valid);
      if (align != null) losses.put("align", align);
      // 4. meta-classification
      Double metaCls = metaClassificationStep();
      if (metaCls != null) losses.put("meta_cls", metaCls);
      // 5. prototypes + supervised PMR step
      if (samplesSeen + valid.size() - lastPrototypeAt >= cfg.prototypeEvery()
          || prototypesMissing()) {
        updatePrototypes();
        lastPrototypeAt = samplesSeen + valid.size();
      }
      supervisedStep(withReplay(valid), losses, pmr);
      if (!parametersFinite()) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
          float[] good = lastGood.get(e.getKey());
          if (good != null && good.length == e.getValue().size()) e.getValue().set(good);
        }
        outer.reset();
        skippedNonFinite++;
        losses.put("restored", 1.0);
        LOG.warn(
            "a parameter became non-finite during the step: restored the last good parameters");
      }
      samplesSeen += valid.size();
    }
    if (bad > 0) losses.put("rejected", (double) bad);
    Map<String, Double> acc = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : prequential.entrySet()) {
      long[] c = e.getValue();
      if (c[1] > 0) acc.put(e.getKey(), c[0] / (double) c[1]);
    }
    List<Boolean> correct = new ArrayList<>(batch.size());
    for (Sample s : batch) correct.add(scored.get(s));
    return new StepReport(
        valid.size(),
        samplesSeen,
        Collections.unmodifiableMap(losses),
        pmr[0],
        pmr[1],
        pmr[2],
        Collections.unmodifiableMap(acc),
        skippedNonFinite,
        (System.nanoTime() - t0) / 1e6,
        Collections.unmodifiableList(correct));
  }

  private void scorePrequential(
      NDManager mgr, List<Sample> samples, Map<Sample, Boolean> fusedCorrect) {
    int n = classes.size();
    Map<Set<Modality>, List<Sample>> groups =
        groupBy(samples, s -> s.label() == null ? null : s.modalities());
    for (Map.Entry<Set<Modality>, List<Sample>> g : groups.entrySet()) {
      List<Sample> ss = g.getValue();
      int[] truth = new int[ss.size()];
      for (int i = 0; i < ss.size(); i++) truth[i] = classIndex.getOrDefault(ss.get(i).label(), -1);
      Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
      for (Modality m : g.getKey()) emb.put(m, Nets.encode(cfg, params, m, input(mgr, ss, m)));
      Map<String, int[]> preds = new LinkedHashMap<>();
      for (Map.Entry<Modality, NDArray> e : emb.entrySet()) {
        preds.put(
            e.getKey().name(), n == 0 ? null : argmax(Nets.classify(params, e.getValue(), n)));
      }
      if (emb.size() >= 2) {
        preds.put(FUSED, n == 0 ? null : argmax(Nets.fuse(cfg, params, emb, n, mgr)));
      } else {
        preds.put(FUSED, preds.get(emb.keySet().iterator().next().name()));
      }
      int[] fused = preds.get(FUSED);
      for (int i = 0; i < ss.size(); i++)
        fusedCorrect.put(ss.get(i), fused != null && truth[i] >= 0 && fused[i] == truth[i]);
      for (Map.Entry<String, int[]> p : preds.entrySet()) {
        long[] c = prequential.computeIfAbsent(p.getKey(), k -> new long[2]);
        for (int i = 0; i < ss.size(); i++) {
          c[1]++;
          if (p.getValue() != null && truth[i] >= 0 && p.getValue()[i] == truth[i]) c[0]++;
        }
      }
    }
  }

  private int registerClass(String label) {
    Integer idx = classIndex.get(label);
    if (idx != null) return idx;
    if (classes.size() >= capacity) grow(capacity * 2);
    classes.add(label);
    classIndex.put(label, classes.size() - 1);
    if (classes.size() > 1) {
      // PMR: the entropy regularization window restarts when a new class appears
      warmupUntil = Math.max(warmupUntil, samplesSeen + cfg.warmupSamples());
    }
    return classes.size() - 1;
  }

  /** Re-allocates the capacity-sized parameters (phi, fusion output) with copied rows. */
  private void grow(int newCapacity) {
    for (String name : List.of("phi.w", "phi.b", "fuse.w", "fuse.b")) {
      NDArray old = params.get(name);
      Shape s = old.getShape();
      long[] dims = s.getShape().clone();
      dims[0] = newCapacity;
      Shape ns = new Shape(dims);
      NDArray fresh = base.create(Nets.init(name, ns, cfg.seed() + newCapacity), ns);
      fresh.set(new NDIndex("0:" + s.get(0)), old);
      params.put(name, fresh);
      old.close();
    }
    capacity = newCapacity;
    generation++;
    LOG.info("classifier capacity grown to {}", newCapacity);
  }

  /**
   * CroMA Algorithm 1, lines 3-5, on the alignment task built from the batch; returns the mean
   * inner loss, or null when the batch has no pair.
   */
  Double metaAlignmentStep(List<Sample> batch) {
    if ("none".equalsIgnoreCase(cfg.alignmentLoss())) return null;
    Modality src = cfg.sourceModality();
    Set<Modality> others = EnumSet.noneOf(Modality.class);
    for (Sample s : batch) {
      if (s.has(src)) for (Modality m : s.modalities()) if (m != src) others.add(m);
    }
    if (others.isEmpty()) return null;
    List<AlignTask> tasks = new ArrayList<>();
    for (Modality t : others) {
      AlignTask task = alignTask(batch, src, t);
      if (task != null) tasks.add(task);
    }
    if (tasks.isEmpty()) return null;
    Set<String> prefixes = new HashSet<>();
    prefixes.add(Nets.prefix(src));
    for (AlignTask t : tasks) prefixes.add(Nets.prefix(t.target));
    List<String> names =
        params.keySet().stream().filter(n -> prefixes.stream().anyMatch(n::startsWith)).toList();
    try (NDManager taskMgr = base.newSubManager()) {
      Map<String, NDArray> fast = new LinkedHashMap<>();
      for (String n : names) fast.put(n, copyInto(taskMgr, params.get(n)));
      // inputs are shared by the inner steps
      List<NDArray[]> inputs = new ArrayList<>();
      for (AlignTask t : tasks) {
        inputs.add(
            new NDArray[] {
              input(taskMgr, t.srcSamples, src),
              input(taskMgr, t.tgtSamples, t.target),
              taskMgr.create(t.pos, new Shape(t.srcSamples.size(), t.tgtSamples.size()))
            });
      }
      Optimizer adam = newInnerOptimizer();
      double lossSum = 0;
      for (int step = 0; step < Math.max(1, cfg.innerSteps()); step++) {
        try (NDManager sub = taskMgr.newSubManager()) {
          Map<String, NDArray> view = new HashMap<>(params);
          Map<String, NDArray> leaves = leaves(sub, fast, view);
          float loss;
          Map<String, NDArray> grads;
          synchronized (GRAD_LOCK) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDArray total = null;
              for (int i = 0; i < tasks.size(); i++) {
                NDArray[] in = inputs.get(i);
                NDArray es = Nets.encode(cfg, view, src, in[0]);
                NDArray et = Nets.encode(cfg, view, tasks.get(i).target, in[1]);
                NDArray l = alignmentLoss(es, et, in[2]);
                total = total == null ? l : total.add(l);
              }
              total = maybeInject(total);
              gc.backward(total);
              loss = total.getFloat();
            }
          }
          grads = gradients(leaves);
          if (!finiteAndClipped("meta-alignment", loss, grads)) {
            skippedNonFinite++;
            LOG.warn(
                "meta-alignment: non-finite loss or gradient at inner step {} (loss {}), update skipped",
                step,
                loss);
            return null;
          }
          for (String n : names) adam.update(n, fast.get(n), grads.get(n));
          lossSum += loss;
        }
      }
      reptile(names, fast);
      return lossSum / Math.max(1, cfg.innerSteps());
    }
  }

  private NDArray alignmentLoss(NDArray es, NDArray et, NDArray pos) {
    if ("infonce".equalsIgnoreCase(cfg.alignmentLoss())) {
      return Losses.infoNceAlignment(es, et, pos, cfg.temperature());
    }
    return Losses.marginAlignment(es, et, pos, cfg.margin());
  }

  /** Reptile (CroMA Algorithm 1): meta <- meta + eps * (adapted - meta), in place. */
  private void reptile(List<String> names, Map<String, NDArray> adapted) {
    if (captureAdapted) {
      lastAdapted = new LinkedHashMap<>();
      for (String n : names) lastAdapted.put(n, adapted.get(n).toFloatArray());
    }
    float eps = (float) cfg.metaStepSize();
    for (String n : names) {
      NDArray meta = params.get(n);
      try (NDArray delta = adapted.get(n).sub(meta)) {
        delta.muli(eps);
        meta.addi(delta);
      }
    }
  }

  private record AlignTask(
      Modality target, List<Sample> srcSamples, List<Sample> tgtSamples, float[] pos) {}

  /**
   * The alignment task of CroMA eqs. 2-3: sources are the batch samples having the source modality,
   * targets those having t, plus (weak pairs) reservoir members of the batch's concept groups.
   * Positive: same sample (strong) or same concept group (weak); every other target is a negative.
   */
  private AlignTask alignTask(List<Sample> batch, Modality src, Modality t) {
    List<Sample> s = new ArrayList<>();
    List<Sample> tg = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> groups = new LinkedHashSet<>();
    for (Sample x : batch) {
      if (x.has(src)) s.add(x);
      if (x.has(t)) tg.add(x);
      ids.add(x.id());
      if (x.conceptGroup() != null) groups.add(x.conceptGroup());
    }
    int extraBudget = batch.size();
    for (String g : groups) {
      if (extraBudget <= 0) break;
      List<Sample> pool = byGroup.get(g);
      Sample a = pick(pool, src, ids);
      Sample b = pick(pool, t, ids);
      if (a != null) {
        s.add(a);
        extraBudget--;
      }
      if (b != null) {
        tg.add(b);
        extraBudget--;
      }
    }
    if (s.isEmpty() || tg.isEmpty()) return null;
    float[] pos = new float[s.size() * tg.size()];
    int positives = 0;
    for (int i = 0; i < s.size(); i++) {
      for (int j = 0; j < tg.size(); j++) {
        Sample a = s.get(i);
        Sample b = tg.get(j);
        boolean p =
            a.id().equals(b.id())
                || (a.conceptGroup() != null && a.conceptGroup().equals(b.conceptGroup()));
        if (p) {
          pos[i * tg.size() + j] = 1f;
          positives++;
        }
      }
    }
    if (positives == 0) return null;
    return new AlignTask(t, s, tg, pos);
  }

  private Sample pick(List<Sample> pool, Modality m, Set<String> exclude) {
    if (pool.isEmpty()) return null;
    for (int tries = 0; tries < 4; tries++) {
      Sample c = pool.get(random.nextInt(pool.size()));
      if (c.has(m) && !exclude.contains(c.id())) return c;
    }
    return null;
  }

  /**
   * CroMA Algorithm 1, lines 6-9: an N-way K-shot episode of the source modality from the
   * reservoirs; phi is copied, takes innerSteps Adam steps of cross-entropy (logits restricted to
   * the episode's classes), then phi <- phi + eps * (phi~ - phi). Returns the mean loss or null.
   */
  Double metaClassificationStep() {
    Modality src = cfg.sourceModality();
    List<String> eligible = new ArrayList<>();
    for (String c : classes) {
      if (byClass.get(c).stream().anyMatch(s -> s.has(src) && s.labeled().contains(src)))
        eligible.add(c);
    }
    if (eligible.size() < 2) return null;
    Collections.shuffle(eligible, random);
    List<String> ways = eligible.subList(0, Math.min(cfg.episodeWays(), eligible.size()));
    List<Sample> shots = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (String c : ways) {
      List<Sample> pool =
          new ArrayList<>(
              byClass.get(c).stream()
                  .filter(s -> s.has(src) && s.labeled().contains(src))
                  .toList());
      Collections.shuffle(pool, random);
      for (Sample s : pool.subList(0, Math.min(cfg.episodeShots(), pool.size()))) {
        shots.add(s);
        labels.add(classIndex.get(c));
      }
    }
    int n = classes.size();
    List<String> names = List.of("phi.w", "phi.b");
    try (NDManager taskMgr = base.newSubManager()) {
      NDArray emb =
          Nets.encode(cfg, params, src, input(taskMgr, shots, src)); // e_s fixed (no grad)
      NDArray oneHot = oneHot(taskMgr, labels, n);
      float[] maskv = new float[n];
      java.util.Arrays.fill(maskv, -1e4f);
      for (String c : ways) maskv[classIndex.get(c)] = 0f;
      NDArray mask = taskMgr.create(maskv, new Shape(1, n));
      Map<String, NDArray> fast = new LinkedHashMap<>();
      for (String nm : names) fast.put(nm, copyInto(taskMgr, params.get(nm)));
      Optimizer adam = newInnerOptimizer();
      double lossSum = 0;
      for (int step = 0; step < Math.max(1, cfg.innerSteps()); step++) {
        try (NDManager sub = taskMgr.newSubManager()) {
          Map<String, NDArray> view = new HashMap<>(params);
          Map<String, NDArray> leaves = leaves(sub, fast, view);
          float loss;
          synchronized (GRAD_LOCK) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDArray l = Losses.crossEntropy(Nets.classify(view, emb, n).add(mask), oneHot);
              l = maybeInject(l);
              gc.backward(l);
              loss = l.getFloat();
            }
          }
          Map<String, NDArray> grads = gradients(leaves);
          if (!finiteAndClipped("meta-classification", loss, grads)) {
            skippedNonFinite++;
            LOG.warn(
                "meta-classification: non-finite loss or gradient at inner step {} (loss {}), update skipped",
                step,
                loss);
            return null;
          }
          for (String nm : names) adam.update(nm, fast.get(nm), grads.get(nm));
          lossSum += loss;
        }
      }
      reptile(names, fast);
      return lossSum / Math.max(1, cfg.innerSteps());
    }
  }

  /** A copy of {@code a} owned by {@code mgr}. */
  private static NDArray copyInto(NDManager mgr, NDArray a) {
    NDArray c = a.duplicate();
    c.attach(mgr);
    return c;
  }

  /** Step leaves: fresh copies of {@code from} that require gradients, put into {@code view}. */
  private static Map<String, NDArray> leaves(
      NDManager sub, Map<String, NDArray> from, Map<String, NDArray> view) {
    Map<String, NDArray> leaves = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : from.entrySet()) {
      NDArray leaf = e.getValue().duplicate();
      leaf.attach(sub);
      leaf.setRequiresGradient(true);
      leaves.put(e.getKey(), leaf);
      view.put(e.getKey(), leaf);
    }
    return leaves;
  }

  private static Map<String, NDArray> gradients(Map<String, NDArray> leaves) {
    Map<String, NDArray> g = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : leaves.entrySet()) {
      NDArray grad = e.getValue().getGradient();
      grad.attach(e.getValue().getManager());
      g.put(e.getKey(), grad);
    }
    return g;
  }

  private boolean parametersFinite() {
    // read on the Java side: ops on w would attach their results to the long-lived parameter
    // manager
    for (NDArray w : params.values()) {
      for (float v : w.toFloatArray()) if (!Float.isFinite(v)) return false;
    }
    return true;
  }

  /**
   * Whether the step may be applied: the loss is finite and so is the gradients' global L2 norm; if
   * that norm exceeds {@code gradClipNorm}, the gradients are scaled down to it in place (PyTorch's
   * {@code clip_grad_norm_}; see {@link LearnerConfig#DEFAULT_GRAD_CLIP_NORM} for why).
   */
  private boolean finiteAndClipped(String what, float loss, Map<String, NDArray> grads) {
    if (!Float.isFinite(loss)) return false;
    double sq = 0;
    double top = 0;
    String topName = null;
    for (Map.Entry<String, NDArray> e : grads.entrySet()) {
      try (NDArray g2 = e.getValue().square();
          NDArray s = g2.sum()) {
        double v = s.getFloat();
        sq += v;
        if (v > top) {
          top = v;
          topName = e.getKey();
        }
      }
    }
    double norm = Math.sqrt(sq);
    if (!Double.isFinite(norm)) return false;
    double max = cfg.gradClipNorm();
    if (max > 0 && norm > max) {
      float k = (float) (max / norm);
      for (NDArray g : grads.values()) g.muli(k);
      clippedUpdates++;
      if (norm > 100 * max) {
        LOG.warn(
            "{}: gradient norm {} clipped to {} (largest: {}, norm {}; loss {})",
            what,
            (float) norm,
            max,
            topName,
            (float) Math.sqrt(top),
            loss);
      }
    }
    return true;
  }

  private NDArray maybeInject(NDArray loss) {
    if (injectNonFinite > 0) {
      injectNonFinite--;
      return Ops.mul(loss, Double.NaN);
    }
    return loss;
  }

  private boolean prototypesMissing() {
    for (Map.Entry<String, List<Sample>> e : byClass.all().entrySet()) {
      for (Sample s : e.getValue()) {
        for (Modality m : s.labeled()) {
          if (s.has(m) && !prototypes.getOrDefault(m, Map.of()).containsKey(e.getKey()))
            return true;
        }
      }
    }
    return false;
  }

  /**
   * Drift (called by the trainer's detector): PMR's warm-up window restarts, so the entropy
   * regularization (PMR eq. 13, the "per" terms) applies again for {@code warmupSamples} samples,
   * and the prototypes are recomputed from the current encoders over the whole class reservoirs
   * (PMR eq. 6) and replace the old ones instead of being blended in with momentum (eq. 12), whose
   * old centroids describe the distribution before the drift.
   */
  @Override
  public synchronized void onDrift() {
    ensureOpen();
    warmupUntil = samplesSeen + cfg.warmupSamples();
    refreshPrototypes(1.0, 0.0);
    lastPrototypeAt = samplesSeen;
    LOG.info("drift: PMR warm-up restarted until {} samples, prototypes refreshed", warmupUntil);
  }

  /** Whether PMR's entropy terms (eq. 13) apply to the next supervised step. */
  synchronized boolean inWarmup() {
    return samplesSeen < warmupUntil;
  }

  /**
   * PMR eqs. 6 and 12: class centroids of each modality's embeddings over a random subset ({@code
   * prototypeSubset}) of the class reservoir, blended with momentum {@code c <- eps_p * c_old + (1
   * - eps_p) * c_new}.
   */
  void updatePrototypes() {
    refreshPrototypes(cfg.prototypeSubset(), cfg.prototypeMomentum());
  }

  private void refreshPrototypes(double subsetFraction, double momentum) {
    try (NDManager sub = base.newSubManager()) {
      for (String c : classes) {
        List<Sample> pool = byClass.get(c);
        if (pool.isEmpty()) continue;
        for (Modality m : Modality.values()) {
          List<Sample> have = new ArrayList<>();
          for (Sample s : pool) if (s.has(m) && s.labeled().contains(m)) have.add(s);
          if (have.isEmpty()) continue;
          Collections.shuffle(have, random);
          int k = Math.max(1, (int) Math.ceil(subsetFraction * have.size()));
          List<Sample> subset = have.subList(0, Math.min(k, have.size()));
          float[] fresh =
              Nets.encode(cfg, params, m, input(sub, subset, m)).mean(new int[] {0}).toFloatArray();
          prototypes
              .computeIfAbsent(m, x -> new LinkedHashMap<>())
              .merge(c, fresh, (old, nw) -> momentum(old, nw, momentum));
        }
      }
    }
  }

  /** PMR eq. 12: c_old <- eps * c_old + (1 - eps) * c_new. */
  static float[] momentum(float[] old, float[] fresh, double eps) {
    float[] out = new float[old.length];
    for (int i = 0; i < old.length; i++) out[i] = (float) (eps * old[i] + (1 - eps) * fresh[i]);
    return out;
  }

  /**
   * The batch plus a class-balanced replay draw from the per-class reservoirs: as many replayed
   * labeled samples as the batch has labeled ones, round-robin over the known classes (random
   * member each, never one of the batch). Without it the supervised step sees only the stream's
   * current classes: in a class-incremental stream (a new class shown with high probability,
   * streams keeping a class for a segment) SGD on those alone forgets the older classes and pulls
   * every prediction onto the newest one (experience replay; the reservoirs keep every seen sample
   * of a class equally likely, so old classes stay represented). Replayed samples keep their label
   * budget ({@link Sample#labeled()}), so the few labeled samples of a modality keep teaching it.
   */
  List<Sample> withReplay(List<Sample> batch) {
    int want = 0;
    Set<String> ids = new HashSet<>();
    for (Sample s : batch) {
      ids.add(s.id());
      if (s.label() != null && !s.labeled().isEmpty()) want++;
    }
    if (want == 0 || classes.size() < 2) return batch;
    List<String> order = new ArrayList<>(classes);
    Collections.shuffle(order, random);
    List<Sample> out = new ArrayList<>(batch);
    int added = 0;
    // first up to a quarter of the draw from samples labeled for two or more modalities (one per
    // class): they are the only ones PMR's terms and rho (eqs. 7-11) can be computed on, and in a
    // stream with a small label budget for one modality the batch itself rarely has any
    int multi = Math.max(2, want / 4);
    for (String c : order) {
      if (added >= multi) break;
      List<Sample> pool = new ArrayList<>();
      for (Sample s : byClass.get(c))
        if (s.labeled().size() >= 2 && !ids.contains(s.id())) pool.add(s);
      if (pool.isEmpty()) continue;
      Sample s = pool.get(random.nextInt(pool.size()));
      ids.add(s.id());
      out.add(s);
      added++;
    }
    for (int round = 0; added < want && round < want; round++) {
      boolean any = false;
      for (String c : order) {
        if (added >= want) break;
        List<Sample> pool = byClass.get(c);
        if (pool.isEmpty()) continue;
        for (int tries = 0; tries < 4; tries++) {
          Sample s = pool.get(random.nextInt(pool.size()));
          if (!s.labeled().isEmpty() && ids.add(s.id())) {
            out.add(s);
            added++;
            any = true;
            break;
          }
        }
      }
      if (!any) break;
    }
    return out;
  }

  /** The supervised step: CE(fusion) + unimodal CE + PMR (eqs. 8-13), SGD with momentum. */
  private void supervisedStep(List<Sample> batch, Map<String, Double> losses, double[] pmrOut) {
    int n = classes.size();
    if (n == 0) return;
    // group by (present modalities, labeled present modalities)
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
    Set<String> prefixes = new HashSet<>(List.of("phi.", "fuse."));
    for (List<Set<Modality>> g : groups.keySet())
      for (Modality m : g.get(1)) prefixes.add(Nets.prefix(m));
    List<String> names =
        params.keySet().stream().filter(x -> prefixes.stream().anyMatch(x::startsWith)).toList();
    Map<String, NDArray> trainable = new LinkedHashMap<>();
    for (String x : names) trainable.put(x, params.get(x));
    int total = groups.values().stream().mapToInt(List::size).sum();
    boolean warmup = samplesSeen < warmupUntil;
    Map<String, Double> parts = new LinkedHashMap<>();
    try (NDManager sub = base.newSubManager()) {
      Map<String, NDArray> view = new HashMap<>(params);
      Map<String, NDArray> leaves = leaves(sub, trainable, view);
      float lossValue;
      synchronized (GRAD_LOCK) {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          NDArray loss = null;
          for (Map.Entry<List<Set<Modality>>, List<Sample>> g : groups.entrySet()) {
            List<Sample> ss = g.getValue();
            Set<Modality> present = g.getKey().get(0);
            Set<Modality> labeledHere = g.getKey().get(1);
            List<Integer> y = new ArrayList<>();
            for (Sample s : ss) y.add(classIndex.get(s.label()));
            NDArray oneHot = oneHot(sub, y, n);
            // embeddings of the labeled modalities (trained by the label) ...
            Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
            for (Modality m : labeledHere) emb.put(m, Nets.encode(cfg, view, m, input(sub, ss, m)));
            // ... and, for the fusion head only, of every present modality: an unlabeled one
            // enters with its gradient stopped, so its encoder never learns from a label it
            // does not have (only the fusion head learns to use it)
            Map<Modality, NDArray> all = new EnumMap<>(Modality.class);
            all.putAll(emb);
            for (Modality m : present) {
              if (!all.containsKey(m))
                all.put(m, Nets.encode(cfg, params, m, input(sub, ss, m)).stopGradient());
            }
            NDArray gl = null;
            for (Map.Entry<Modality, NDArray> e : emb.entrySet()) {
              NDArray ce = Losses.crossEntropy(Nets.classify(view, e.getValue(), n), oneHot);
              add(parts, "uni_ce", ce.getFloat() * ss.size() / total);
              ce = Ops.mul(ce, cfg.unimodalWeight());
              gl = gl == null ? ce : gl.add(ce);
            }
            if (all.size() >= 2) {
              NDArray fused = Losses.crossEntropy(Nets.fuse(cfg, view, all, n, sub), oneHot);
              add(parts, "fused_ce", fused.getFloat() * ss.size() / total);
              gl = gl.add(fused);
            }
            if (emb.size() >= 2) {
              NDArray pmrLoss =
                  pmrTerms(sub, emb, ss, warmup, parts, pmrOut, ss.size() / (double) total);
              if (pmrLoss != null) gl = gl.add(pmrLoss);
            }
            gl = Ops.mul(gl, ss.size() / (double) total);
            loss = loss == null ? gl : loss.add(gl);
          }
          loss = maybeInject(loss);
          gc.backward(loss);
          lossValue = loss.getFloat();
        }
      }
      Map<String, NDArray> grads = gradients(leaves);
      if (!finiteAndClipped("supervised step " + parts, lossValue, grads)) {
        skippedNonFinite++;
        LOG.warn(
            "supervised step: non-finite loss or gradient (loss {}, terms {}), update skipped",
            lossValue,
            parts);
        return;
      }
      for (String x : names) outer.update(x, params.get(x), grads.get(x));
      losses.putAll(parts);
      losses.put("total", (double) lossValue);
    }
  }

  private static void add(Map<String, Double> m, String k, double v) {
    m.merge(k, v, Double::sum);
  }

  /**
   * PMR for one group of samples with at least two labeled modalities: s_m (eqs. 7-8), the
   * coefficients (eq. 11, M-modality form in {@link Pmr}), alpha*kappa_m*PCE_m (eqs. 9-10) and, in
   * the warm-up window, -mu*w_m*H_m on the dominant modality (eq. 13, each H^m on its own z^m).
   */
  private NDArray pmrTerms(
      NDManager sub,
      Map<Modality, NDArray> emb,
      List<Sample> ss,
      boolean warmup,
      Map<String, Double> parts,
      double[] pmrOut,
      double weight) {
    if (LearnerConfig.PMR_NONE.equals(cfg.pmrRule())) return null;
    List<Modality> mods = new ArrayList<>();
    for (Modality m : Nets.order(cfg)) if (emb.containsKey(m)) mods.add(m);
    List<NDArray> protoMats = new ArrayList<>();
    List<NDArray> oneHots = new ArrayList<>();
    for (Modality m : mods) {
      Map<String, float[]> pm = prototypes.getOrDefault(m, Map.of());
      List<String> keys = new ArrayList<>(pm.keySet());
      Map<String, Integer> idx = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) idx.put(keys.get(i), i);
      List<Integer> y = new ArrayList<>();
      for (Sample s : ss) {
        Integer i = idx.get(s.label());
        if (i == null) return null; // a class without prototype yet: no PMR this step
        y.add(i);
      }
      if (keys.size() < 2) return null;
      float[] flat = new float[keys.size() * cfg.embeddingDim()];
      for (int i = 0; i < keys.size(); i++)
        System.arraycopy(pm.get(keys.get(i)), 0, flat, i * cfg.embeddingDim(), cfg.embeddingDim());
      protoMats.add(sub.create(flat, new Shape(keys.size(), cfg.embeddingDim())));
      oneHots.add(oneHot(sub, y, keys.size()));
    }
    double[] s = new double[mods.size()];
    for (int i = 0; i < mods.size(); i++) {
      s[i] =
          Losses.prototypeScore(
                  emb.get(mods.get(i)).stopGradient(),
                  protoMats.get(i),
                  oneHots.get(i),
                  cfg.pmrScale())
              .getFloat();
    }
    Pmr.Coefficients co = Pmr.coefficients(s, cfg.pmrRule(), cfg.pmrAlpha(), cfg.pmrMu(), warmup);
    int si = mods.indexOf(cfg.sourceModality());
    int ti = mods.indexOf(cfg.targetModality());
    if (si >= 0 && ti >= 0) {
      pmrOut[0] = Pmr.rho(s[si], s[ti]);
      pmrOut[1] = co.kappa()[si];
      pmrOut[2] = co.kappa()[ti];
    }
    NDArray out = null;
    for (int i = 0; i < mods.size(); i++) {
      NDArray z = emb.get(mods.get(i));
      if (co.pce()[i] > 0) {
        NDArray pce =
            Losses.prototypeCrossEntropy(z, protoMats.get(i), oneHots.get(i), cfg.pmrScale());
        add(parts, "pce", pce.getFloat() * co.pce()[i] * weight);
        NDArray t = Ops.mul(pce, co.pce()[i]);
        out = out == null ? t : out.add(t);
      }
      if (co.entropy()[i] > 0) {
        NDArray h = Losses.prototypeEntropy(z, protoMats.get(i), cfg.pmrScale());
        add(parts, "per", -h.getFloat() * co.entropy()[i] * weight);
        NDArray t = Ops.mul(h, -co.entropy()[i]);
        out = out == null ? t : out.add(t);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // prediction

  /**
   * {@inheritDoc}
   *
   * <p>One modality: phi over its aligned embedding (a target-only sample is classified through the
   * aligned space); several: the fusion head. While no class is known the label is {@code null} and
   * topK empty. Features of the wrong size or not finite throw {@link IllegalArgumentException}.
   */
  @Override
  public synchronized Inference predict(Sample sample) {
    return predictBatch(List.of(sample)).get(0);
  }

  @Override
  public synchronized List<Inference> predictBatch(List<Sample> samples) {
    ensureOpen();
    for (Sample s : samples) {
      Optional<String> why = validate(s, cfg);
      if (why.isPresent())
        throw new IllegalArgumentException("sample " + s.id() + ": " + why.get());
    }
    Inference[] out = new Inference[samples.size()];
    Map<Set<Modality>, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < samples.size(); i++) {
      groups.computeIfAbsent(samples.get(i).modalities(), k -> new ArrayList<>()).add(i);
    }
    int n = classes.size();
    try (NDManager sub = base.newSubManager()) {
      for (Map.Entry<Set<Modality>, List<Integer>> g : groups.entrySet()) {
        List<Sample> ss = g.getValue().stream().map(samples::get).toList();
        Set<Modality> used = Collections.unmodifiableSet(EnumSet.copyOf(g.getKey()));
        if (n == 0) {
          for (int i : g.getValue()) out[i] = new Inference(null, 0.0, List.of(), used);
          continue;
        }
        float[] probs = logits(sub, ss, g.getKey()).softmax(1).toFloatArray();
        for (int r = 0; r < ss.size(); r++) {
          out[g.getValue().get(r)] = inference(probs, r, n, used);
        }
      }
    }
    return List.of(out);
  }

  private NDArray logits(NDManager mgr, List<Sample> ss, Set<Modality> mods) {
    Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
    for (Modality m : mods) emb.put(m, Nets.encode(cfg, params, m, input(mgr, ss, m)));
    if (emb.size() == 1) {
      Modality m = mods.iterator().next();
      NDArray e = emb.get(m);
      NDArray protoLogits =
          m != cfg.sourceModality() && enrolled.containsValue(m)
              ? prototypeLogits(mgr, e, m)
              : null;
      return protoLogits != null ? protoLogits : Nets.classify(params, e, classes.size());
    }
    return Nets.fuse(cfg, params, emb, classes.size(), mgr);
  }

  /**
   * Nearest-prototype logits for input of one non-source modality m, when m has a prototype for
   * every known class (PMR eq. 6 centroids of its labeled samples, or an {@link #enroll}ed class's
   * mean): {@code L * cos(e - mu, c_k - mu)} with mu the mean of m's prototypes and L = {@link
   * Nets#LOGIT_SCALE}. Every class, learned or enrolled, is then scored the same way in m's own
   * part of the aligned space, so one few-shot class cannot win by being the only row built from
   * m's embeddings (the modality gap), while phi's rows are trained mostly on the source modality.
   * Used only once a class has been enrolled from m (so models without enrollment predict exactly
   * as before); null when some class has no prototype of m (then phi classifies through the aligned
   * space).
   */
  private NDArray prototypeLogits(NDManager mgr, NDArray e, Modality m) {
    Map<String, float[]> pm = prototypes.get(m);
    int n = classes.size();
    if (pm == null || n < 2) return null;
    int d = cfg.embeddingDim();
    float[] flat = new float[n * d];
    float[] mu = new float[d];
    for (int k = 0; k < n; k++) {
      float[] c = pm.get(classes.get(k));
      if (c == null) return null;
      System.arraycopy(c, 0, flat, k * d, d);
      for (int i = 0; i < d; i++) mu[i] += c[i] / n;
    }
    NDArray muA = mgr.create(mu, new Shape(1, d));
    NDArray cen = Nets.l2normalize(mgr.create(flat, new Shape(n, d)).sub(muA));
    NDArray q = Nets.l2normalize(e.sub(muA));
    return Ops.mul(q.matMul(cen.transpose()), Nets.LOGIT_SCALE);
  }

  /**
   * The aligned-space embeddings of samples having modality m (rows in input order), for retrieval
   * and tests.
   */
  public synchronized float[][] embed(Modality m, List<float[]> inputs) {
    ensureOpen();
    try (NDManager sub = base.newSubManager()) {
      float[] flat = flatten(inputs, cfg.featureSize(m));
      float[] e =
          Nets.encode(
                  cfg, params, m, sub.create(flat, new Shape(inputs.size(), cfg.featureSize(m))))
              .toFloatArray();
      float[][] out = new float[inputs.size()][cfg.embeddingDim()];
      for (int i = 0; i < inputs.size(); i++)
        System.arraycopy(e, i * cfg.embeddingDim(), out[i], 0, cfg.embeddingDim());
      return out;
    }
  }

  private Inference inference(float[] probs, int row, int n, Set<Modality> used) {
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    java.util.Arrays.sort(idx, (a, b) -> Float.compare(probs[row * n + b], probs[row * n + a]));
    List<Inference.ClassScore> top = new ArrayList<>();
    for (int i = 0; i < Math.min(TOP_K, n); i++) {
      top.add(new Inference.ClassScore(classes.get(idx[i]), probs[row * n + idx[i]]));
    }
    return new Inference(classes.get(idx[0]), probs[row * n + idx[0]], List.copyOf(top), used);
  }

  // ------------------------------------------------------------------------------------------
  // few-shot

  /**
   * Adds (or refreshes) a class at once from k examples of one modality. The mean embedding becomes
   * the class's prototype of that modality; for input of that modality alone, when every class has
   * a prototype of it, prediction is nearest-prototype over all classes (see {@link
   * #prototypeLogits}), so the enrolled class competes on equal terms. phi's row (and the
   * concat/sum fusion slot) is a <em>centred</em> imprint (see {@link #imprint}): a scaled cosine
   * of (e - mu) to (prototype - mu), mu the centre of that modality's embeddings in the replay
   * memory, on the learned rows' scale and mean bias. The earlier uncentred imprint let a 5-clip
   * audio class win 259 of 270 other digits' clips: every audio embedding is close to any audio
   * mean. FiLM/gated heads learn the class from later labels.
   */
  @Override
  public synchronized void enroll(String className, Modality modality, List<float[]> examples) {
    ensureOpen();
    if (className == null || className.isBlank())
      throw new IllegalArgumentException("className is blank");
    if (examples == null || examples.isEmpty())
      throw new IllegalArgumentException("no examples for " + className);
    for (float[] x : examples) {
      Optional<String> why =
          validate(
              new Sample("enroll", "enroll", 0, Map.of(modality, x), null, Set.of(), null), cfg);
      if (why.isPresent())
        throw new IllegalArgumentException("enroll " + className + ": " + why.get());
    }
    int d = cfg.embeddingDim();
    float[][] e = embed(modality, examples);
    float[] mean = new float[d];
    for (float[] r : e) for (int i = 0; i < d; i++) mean[i] += r[i] / e.length;
    // the learned classes' prototypes become full means of their labeled reservoir members under
    // the
    // current encoders (PMR eq. 6 without subset or momentum), so they compete with the enrolled
    // k-example mean on equal terms: a momentum blend of 1-sample subsets lies farther from its
    // class's members than a k-sample mean does from anything, and the enrolled class would win
    refreshPrototypes(1.0, 0.0);
    prototypes.computeIfAbsent(modality, x -> new LinkedHashMap<>()).put(className, mean.clone());
    imprintRows(registerClass(className), modality, mean);
    enrolled.put(className, modality);
  }

  /**
   * Weight imprinting of a class that first appears in a batch (Qi et al., "Low-Shot Learning with
   * Imprinted Weights", CVPR 2018): phi's new row (and its fusion slot) is set from the mean source
   * embedding of the batch's labeled samples of the class, the way {@link #enroll} does, instead of
   * a near-zero random row that the supervised step needs many batches to grow while the old rows
   * win every prediction of the new class. Only when at least two classes are known.
   */
  private void imprintNewClass(String c, List<Sample> batch) {
    if (classes.size() < 2) return;
    Modality m = cfg.sourceModality();
    float[] mean = meanLabeledEmbedding(c, m, batch);
    if (mean != null) imprintRows(classIndex.get(c), m, mean);
  }

  /**
   * Mean embedding of the samples of class c labeled and present in modality m, or null if none.
   */
  private float[] meanLabeledEmbedding(String c, Modality m, List<Sample> samples) {
    List<float[]> xs = new ArrayList<>();
    for (Sample s : samples)
      if (c.equals(s.label()) && s.has(m) && s.labeled().contains(m)) xs.add(s.features().get(m));
    if (xs.isEmpty()) return null;
    int d = cfg.embeddingDim();
    float[][] e = embed(m, xs);
    float[] mean = new float[d];
    for (float[] r : e) for (int i = 0; i < d; i++) mean[i] += r[i] / e.length;
    return mean;
  }

  /**
   * The centred imprint of phi's row idx (and the fusion slot of modality m) from a mean embedding.
   */
  private void imprintRows(int idx, Modality modality, float[] mean) {
    int d = cfg.embeddingDim();
    float[][] center = modalityCenter(modality);
    float[] mu = center == null ? new float[d] : center[0];
    float radius = center == null ? 1f : center[1][0];
    double cnorm = 0;
    for (int i = 0; i < d; i++) cnorm += (mean[i] - mu[i]) * (mean[i] - mu[i]);
    cnorm = Math.sqrt(cnorm) + 1e-12;
    float[] unit = new float[d];
    for (int i = 0; i < d; i++) unit[i] = (float) ((mean[i] - mu[i]) / cnorm);
    imprint("phi.w", "phi.b", idx, unit, mu, radius, 0);
    String f = Nets.fusion(cfg);
    if (f.equals("concat")) {
      imprint("fuse.w", "fuse.b", idx, unit, mu, radius, modality.ordinal() * d);
    } else if (f.equals("sum")) {
      imprint("fuse.w", "fuse.b", idx, unit, mu, radius, 0);
    }
  }

  /**
   * The centre of modality m's embeddings over the replay memory (every stored sample having m,
   * labeled or not: no label is used) and their mean distance to it, as {mu, {radius}}; null when
   * the memory holds fewer than 10 such samples.
   */
  private float[][] modalityCenter(Modality m) {
    List<Sample> have = new ArrayList<>();
    for (List<Sample> pool : byClass.all().values())
      for (Sample s : pool) if (s.has(m)) have.add(s);
    if (have.size() < 10) return null;
    Collections.shuffle(have, new Random(cfg.seed() + have.size()));
    List<Sample> use = have.subList(0, Math.min(500, have.size()));
    int d = cfg.embeddingDim();
    float[] e;
    try (NDManager sub = base.newSubManager()) {
      e = Nets.encode(cfg, params, m, input(sub, use, m)).toFloatArray();
    }
    float[] mu = new float[d];
    for (int r = 0; r < use.size(); r++)
      for (int i = 0; i < d; i++) mu[i] += e[r * d + i] / use.size();
    double rad = 0;
    for (int r = 0; r < use.size(); r++) {
      double q = 0;
      for (int i = 0; i < d; i++) q += (e[r * d + i] - mu[i]) * (e[r * d + i] - mu[i]);
      rad += Math.sqrt(q) / use.size();
    }
    return new float[][] {mu, {(float) Math.max(rad, 1e-3)}};
  }

  /**
   * Writes row idx of (w, b) for an enrolled class: {@code w = s * u / r}, {@code b = bbar - L * w
   * . mu}, so its logit {@code L * w . e + b = L * s * u . (e - mu) / r + bbar} is a scaled cosine
   * of the <em>centred</em> embedding (e - mu) to the centred prototype direction u, on the same
   * scale s (the mean norm of the learned rows, L = {@link Nets#LOGIT_SCALE}) and mean bias bbar as
   * the learned rows. Centring on the modality's mean removes the offset all embeddings of one
   * modality share (the modality gap): without it the prototype of k clips of one modality is close
   * to every clip of that modality and the enrolled class wins almost every prediction; dividing by
   * the mean distance r to the centre puts its cosine-sized logits on the learned rows' scale.
   */
  private void imprint(
      String wName, String bName, int idx, float[] unit, float[] mu, float radius, int offset) {
    NDArray w = params.get(wName);
    NDArray b = params.get(bName);
    int cols = (int) w.getShape().get(1);
    int d = unit.length;
    float[] wv = w.toFloatArray();
    float[] bv = b.toFloatArray();
    double normSum = 0;
    double biasSum = 0;
    int others = 0;
    for (int r = 0; r < classes.size(); r++) {
      if (r == idx) continue;
      double s = 0;
      for (int c = offset; c < offset + d; c++) s += wv[r * cols + c] * wv[r * cols + c];
      normSum += Math.sqrt(s);
      biasSum += bv[r];
      others++;
    }
    double scale = (others > 0 ? normSum / others : 1.0) / radius;
    float[] row = new float[cols];
    double dot = 0;
    for (int i = 0; i < d; i++) {
      row[offset + i] = (float) (unit[i] * scale);
      dot += row[offset + i] * mu[i];
    }
    double bias = (others > 0 ? biasSum / others : 0.0) - Nets.LOGIT_SCALE * dot;
    try (NDManager sub = base.newSubManager()) {
      w.set(new NDIndex(idx), sub.create(row));
      b.set(new NDIndex(idx), (float) bias);
    }
  }

  /**
   * CroMA meta-test: a copy of this learner whose target-side encoders and phi are fine-tuned from
   * the meta parameters with {@code steps} Adam steps (inner learning rate) of cross-entropy on the
   * support set (every labeled modality of each support sample). This learner is not changed.
   */
  public synchronized CrossModalLearner adapt(List<Sample> support, int steps) {
    ensureOpen();
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
    for (Sample s : valid) {
      if (!classIndex.containsKey(s.label())) fresh.add(s.label());
      registerClass(s.label());
    }
    // new classes start from an imprint of their support embeddings (as in learn), then fine-tune
    for (String c : fresh) {
      for (Modality m : Nets.order(cfg)) {
        float[] mean = meanLabeledEmbedding(c, m, valid);
        if (mean == null) continue;
        imprintRows(classIndex.get(c), m, mean);
        break;
      }
    }
    int n = classes.size();
    Set<String> prefixes = new HashSet<>(List.of("phi."));
    for (Sample s : valid)
      for (Modality m : s.labeled()) if (s.has(m)) prefixes.add(Nets.prefix(m));
    List<String> names =
        params.keySet().stream().filter(x -> prefixes.stream().anyMatch(x::startsWith)).toList();
    Map<String, NDArray> trainable = new LinkedHashMap<>();
    for (String x : names) trainable.put(x, params.get(x));
    Optimizer adam = newInnerOptimizer();
    for (int step = 0; step < steps; step++) {
      try (NDManager sub = base.newSubManager()) {
        Map<String, NDArray> view = new HashMap<>(params);
        Map<String, NDArray> leaves = leaves(sub, trainable, view);
        float lossValue;
        synchronized (GRAD_LOCK) {
          try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray loss = null;
            for (Modality m : Modality.values()) {
              List<Sample> ss =
                  valid.stream().filter(s -> s.has(m) && s.labeled().contains(m)).toList();
              if (ss.isEmpty()) continue;
              List<Integer> y = ss.stream().map(s -> classIndex.get(s.label())).toList();
              NDArray ce =
                  Losses.crossEntropy(
                      Nets.classify(view, Nets.encode(cfg, view, m, input(sub, ss, m)), n),
                      oneHot(sub, y, n));
              loss = loss == null ? ce : loss.add(ce);
            }
            gc.backward(loss);
            lossValue = loss.getFloat();
          }
        }
        Map<String, NDArray> grads = gradients(leaves);
        if (!finiteAndClipped("adapt", lossValue, grads)) {
          skippedNonFinite++;
          continue;
        }
        for (String x : names) adam.update(x, params.get(x), grads.get(x));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // state

  @Override
  public synchronized List<String> classes() {
    return List.copyOf(classes);
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
    return clippedUpdates;
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
    return base.getManagedArrays().size();
  }

  /** Shapes and owners of the arrays the base manager holds (debugging leaks). */
  synchronized List<String> debugArrays() {
    List<String> out = new ArrayList<>();
    for (NDArray a : base.getManagedArrays())
      out.add(a.getShape() + "@" + a.getManager().getName() + "/" + a.getUid());
    return out;
  }

  @Override
  public synchronized byte[] snapshot(Map<String, String> provenance) {
    ensureOpen();
    Map<String, String> prov = new LinkedHashMap<>();
    if (provenance != null) prov.putAll(provenance);
    prov.put("learnerClass", getClass().getName());
    prov.put("seed", Long.toString(cfg.seed()));
    prov.put("buildVersion", SnapshotCodec.buildVersion());
    prov.put("formatVersion", Integer.toString(SnapshotCodec.FORMAT_VERSION));
    if (!enrolled.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      enrolled.forEach(
          (c, m) ->
              sb.append(sb.length() == 0 ? "" : "\n").append(m.name()).append('\t').append(c));
      prov.put(ENROLLED_KEY, sb.toString());
    }
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      shapes.put(e.getKey(), e.getValue().getShape());
      values.put(e.getKey(), e.getValue().toFloatArray());
    }
    Map<String, long[]> preq = new LinkedHashMap<>();
    prequential.forEach((k, v) -> preq.put(k, v.clone()));
    long[] counters = {
      samplesSeen, warmupUntil, lastPrototypeAt, skippedNonFinite, rejected, capacity, generation
    };
    return SnapshotCodec.encode(cfg, prov, classes, counters, preq, shapes, values, prototypes);
  }

  private void load(SnapshotCodec.Decoded d) {
    for (String c : d.classes()) {
      classIndex.put(c, classes.size());
      classes.add(c);
    }
    long[] k = d.counters();
    samplesSeen = k[0];
    warmupUntil = k[1];
    lastPrototypeAt = k[2];
    skippedNonFinite = k[3];
    rejected = k[4];
    capacity = (int) k[5];
    generation = (int) k[6];
    d.prequential().forEach((name, v) -> prequential.put(name, v.clone()));
    Map<String, Shape> expected = Nets.shapes(cfg, capacity);
    if (!expected.keySet().equals(d.shapes().keySet())) {
      throw new SnapshotException(
          "parameter names differ from the config's model: " + d.shapes().keySet());
    }
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      Shape s = d.shapes().get(e.getKey());
      if (!s.equals(e.getValue())) {
        throw new SnapshotException(
            "parameter " + e.getKey() + " has shape " + s + ", expected " + e.getValue());
      }
      params.put(e.getKey(), base.create(d.values().get(e.getKey()), s));
    }
    if (classes.size() > capacity) throw new SnapshotException("more classes than classifier rows");
    d.prototypes().forEach((m, map) -> prototypes.put(m, new LinkedHashMap<>(map)));
    String en = d.provenance().get(ENROLLED_KEY);
    if (en != null && !en.isEmpty()) {
      for (String line : en.split("\n")) {
        int tab = line.indexOf('\t');
        if (tab <= 0) throw new SnapshotException("bad enrolled entry '" + line + "'");
        String c = line.substring(tab + 1);
        if (classIndex.containsKey(c)) enrolled.put(c, Modality.valueOf(line.substring(0, tab)));
      }
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      base.close();
    }
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException("learner is closed");
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  private NDArray input(NDManager mgr, List<Sample> ss, Modality m) {
    int f = cfg.featureSize(m);
    float[] flat = new float[ss.size() * f];
    for (int i = 0; i < ss.size(); i++)
      System.arraycopy(ss.get(i).features().get(m), 0, flat, i * f, f);
    return mgr.create(flat, new Shape(ss.size(), f));
  }

  private static float[] flatten(List<float[]> rows, int f) {
    float[] flat = new float[rows.size() * f];
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).length != f)
        throw new IllegalArgumentException(
            "row " + i + " has " + rows.get(i).length + " values, expected " + f);
      System.arraycopy(rows.get(i), 0, flat, i * f, f);
    }
    return flat;
  }

  private static NDArray oneHot(NDManager mgr, List<Integer> labels, int n) {
    float[] v = new float[labels.size() * n];
    for (int i = 0; i < labels.size(); i++) v[i * n + labels.get(i)] = 1f;
    return mgr.create(v, new Shape(labels.size(), n));
  }

  private static int[] argmax(NDArray logits) {
    long[] a = logits.argMax(1).toLongArray();
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) out[i] = (int) a[i];
    return out;
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

  @SuppressWarnings("unused")
  private static DataType dtype() {
    return DataType.FLOAT32;
  }
}
