package io.streamalign.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servable half of the learner, what a snapshot holds and serving loads: the per-modality
 * encoders e_m into the aligned, L2-normalized space R^d, the classifier phi on that space, the
 * fusion head, the class prototypes per modality (PMR eq. 6), the classes and the enrolled classes.
 *
 * <p>Prediction (CroMA meta-test, section 4.2): one modality is classified by phi over its aligned
 * embedding, so a target-only sample is classified by the classifier learned from the source
 * through the alignment; several modalities by the fusion head. A class enrolled from k examples of
 * a non-source modality m makes input of m alone be classified by nearest prototype over every
 * class ({@link #prototypeLogits}).
 *
 * <p>Training is {@link CrossModalLearner}'s; {@link #restore} builds only this (no replay, no
 * optimizer state). All public methods are synchronized so a serving thread may predict while
 * another enrolls.
 */
public final class CrossModalModel implements ServableModel {

  private static final Logger LOG = LoggerFactory.getLogger(CrossModalModel.class);

  /**
   * Loads the PyTorch engine and its native libraries now (idempotent, thread-safe), so a service
   * can do it on a background thread while it does its Kafka start-up instead of on the first
   * restore (seconds on a busy machine; README.md, "Recovery after a crash").
   */
  public static void preloadEngine() {
    Engine.getEngine("PyTorch");
  }

  /** Provenance entry listing enrolled classes, one "MODALITY\tclass" per line. */
  static final String ENROLLED_KEY = "enrolledClasses";

  private static final int TOP_K = 5;

  final LearnerConfig cfg;
  private final Device device;
  final NDManager base;

  /** Name -> parameter (the meta parameters: what predict uses). */
  final Map<String, NDArray> params = new LinkedHashMap<>();

  final List<String> classes = new ArrayList<>();
  final Map<String, Integer> classIndex = new HashMap<>();

  /** PMR prototypes (eqs. 6, 12) per modality and class. */
  final PrototypeBank<Modality> prototypes;

  /**
   * Classes added by {@link #enroll}, with the modality they were enrolled from (kept in snapshots'
   * provenance).
   */
  final Map<String, Modality> enrolled = new LinkedHashMap<>();

  int capacity;
  int generation;
  private boolean closed;

  private CrossModalModel(LearnerConfig cfg, boolean initialize) {
    this.cfg = cfg;
    Nets.fusion(cfg); // validates the fusion name early
    this.device = resolveDevice(cfg.device());
    this.base = NDManager.newBaseManager(device, "PyTorch");
    this.prototypes = new PrototypeBank<>(cfg.embeddingDim());
    this.capacity = cfg.classCapacity();
    if (initialize) {
      for (Map.Entry<String, Shape> e : Nets.shapes(cfg, capacity).entrySet()) {
        params.put(
            e.getKey(), base.create(Nets.init(e.getKey(), e.getValue(), cfg.seed()), e.getValue()));
      }
    }
  }

  /** A model with freshly initialized parameters (deterministic given {@code cfg.seed()}). */
  public static CrossModalModel create(LearnerConfig cfg) {
    return new CrossModalModel(cfg, true);
  }

  /**
   * The servable model of snapshot bytes (written by {@link CrossModalLearner#snapshot}); verifies
   * magic, format version and sha256. The learner's training state in the bytes is not loaded.
   *
   * @throws SnapshotException on bad bytes
   */
  public static CrossModalModel restore(byte[] snapshot) {
    return from(SnapshotCodec.decode(snapshot));
  }

  static CrossModalModel from(SnapshotCodec.Decoded d) {
    CrossModalModel m = new CrossModalModel(d.config(), false);
    try {
      m.load(d);
    } catch (RuntimeException e) {
      m.close();
      throw e instanceof SnapshotException se
          ? se
          : new SnapshotException("inconsistent snapshot: " + e.getMessage(), e);
    }
    return m;
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

  /** The device the model computes on. */
  public Device device() {
    return device;
  }

  @Override
  public LearnerConfig config() {
    return cfg;
  }

  @Override
  public synchronized List<String> classes() {
    return List.copyOf(classes);
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
        float[] probs = HostTransfers.floats(logits(sub, ss, g.getKey()).softmax(1));
        for (int r = 0; r < ss.size(); r++) out[g.getValue().get(r)] = inference(probs, r, n, used);
      }
    }
    return List.of(out);
  }

  private NDArray logits(NDManager mgr, List<Sample> ss, Set<Modality> mods) {
    Map<Modality, NDArray> emb = new EnumMap<>(Modality.class);
    for (Modality m : mods) emb.put(m, Nets.encode(cfg, params, m, input(mgr, ss, m)));
    if (emb.size() == 1) {
      Modality m = mods.iterator().next();
      return alone(mgr, emb.get(m), m);
    }
    return Nets.fuse(cfg, params, emb, classes.size(), mgr);
  }

  /**
   * The logits of embeddings e of modality m given alone (what {@link #predict} and the learner's
   * prequential accuracy both use): phi for the source modality (CroMA); for another modality the
   * prototype classifier of PMR eq. 7 over its own prototypes ({@link #pmrLogits}, or {@link
   * #prototypeLogits} once a class was enrolled from m), phi through the aligned space while some
   * class has no prototype of m.
   */
  NDArray alone(NDManager mgr, NDArray e, Modality m) {
    if (m == cfg.sourceModality()) return Nets.classify(params, e, classes.size());
    NDArray protoLogits =
        enrolled.containsValue(m) ? prototypeLogits(mgr, e, m) : pmrLogits(mgr, e, m);
    return protoLogits != null ? protoLogits : Nets.classify(params, e, classes.size());
  }

  /**
   * PMR eq. 7 for input of one non-source modality m alone, when m has a prototype for every known
   * class: the softmax over {@code -scale * ||e - c_k^m||} to m's own momentum prototypes (eqs. 6,
   * 12), the same prototype classifier PCE (eq. 9) trains m's encoder towards. A modality whose few
   * labels make it the slow one is then classified where PMR puts it, by its own class centroids,
   * instead of by phi across the modality gap that margin alignment leaves; null (phi classifies
   * through the aligned space, CroMA) while some class has no prototype of m.
   */
  private NDArray pmrLogits(NDManager mgr, NDArray e, Modality m) {
    if (classes.size() < 2) return null;
    NDArray protos = prototypes.matrix(mgr, m, classes);
    return protos == null ? null : Losses.negDistances(e, protos, cfg.pmrScale());
  }

  /**
   * Nearest-prototype logits for input of one non-source modality m, when m has a prototype for
   * every known class (PMR eq. 6 centroids of its labeled samples, or an {@link #enroll}ed class's
   * mean): {@code L * cos(e - mu, c_k - mu)} with mu the mean of m's prototypes and L = {@link
   * Nets#LOGIT_SCALE}. Every class, learned or enrolled, is then scored the same way in m's own
   * part of the aligned space, so one few-shot class cannot win by being the only row built from
   * m's embeddings (the modality gap). Used only once a class has been enrolled from m; null when
   * some class has no prototype of m (then phi classifies through the aligned space).
   */
  private NDArray prototypeLogits(NDManager mgr, NDArray e, Modality m) {
    int n = classes.size();
    if (n < 2) return null;
    int d = cfg.embeddingDim();
    NDArray protos = prototypes.matrix(mgr, m, classes);
    if (protos == null) return null;
    NDArray muA = protos.mean(new int[] {0}, true);
    NDArray cen = Nets.l2normalize(protos.sub(muA));
    NDArray q = Nets.l2normalize(e.sub(muA));
    return Ops.mul(q.matMul(cen.transpose()), Nets.LOGIT_SCALE);
  }

  /**
   * The aligned-space embeddings of samples having modality m (rows in input order), for retrieval
   * and tests.
   */
  public synchronized float[][] embed(Modality m, List<float[]> inputs) {
    ensureOpen();
    int f = cfg.featureSize(m);
    float[] flat = new float[inputs.size() * f];
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).length != f)
        throw new IllegalArgumentException(
            "row " + i + " has " + inputs.get(i).length + " values, expected " + f);
      System.arraycopy(inputs.get(i), 0, flat, i * f, f);
    }
    try (NDManager sub = base.newSubManager()) {
      float[] e =
          HostTransfers.floats(
              Nets.encode(cfg, params, m, sub.create(flat, new Shape(inputs.size(), f))));
      int d = cfg.embeddingDim();
      float[][] out = new float[inputs.size()][d];
      for (int i = 0; i < inputs.size(); i++) System.arraycopy(e, i * d, out[i], 0, d);
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

  /** The (B, featureSize) input of modality m of {@code ss}, owned by {@code mgr}. */
  NDArray input(NDManager mgr, List<Sample> ss, Modality m) {
    int f = cfg.featureSize(m);
    float[] flat = new float[ss.size() * f];
    for (int i = 0; i < ss.size(); i++)
      System.arraycopy(ss.get(i).features().get(m), 0, flat, i * f, f);
    return mgr.create(flat, new Shape(ss.size(), f));
  }

  // ------------------------------------------------------------------------------------------
  // classes and enrollment

  /** The index of {@code label}, registering it (and growing phi) when new. */
  synchronized int registerClass(String label) {
    Integer idx = classIndex.get(label);
    if (idx != null) return idx;
    if (classes.size() >= capacity) grow(capacity * 2);
    classes.add(label);
    classIndex.put(label, classes.size() - 1);
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
   * Adds (or refreshes) a class at once from k examples of one modality. The mean embedding becomes
   * the class's prototype of that modality; for input of that modality alone, when every class has
   * a prototype of it, prediction is nearest-prototype over all classes (see {@link
   * #prototypeLogits}). phi's row (and the concat/sum fusion slot) is imprinted from the mean (see
   * {@link #imprintRows}); a served model has no memory of the stream, so the imprint is not
   * centred (the learner's {@link CrossModalLearner#enroll} centres it on its replay).
   */
  @Override
  public synchronized void enroll(String className, Modality modality, List<float[]> examples) {
    enroll(className, modality, examples, null);
  }

  synchronized void enroll(
      String className, Modality modality, List<float[]> examples, float[][] center) {
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
    float[] mean = mean(embed(modality, examples));
    prototypes.put(modality, className, mean);
    imprintRows(registerClass(className), modality, mean, center);
    enrolled.put(className, modality);
  }

  static float[] mean(float[][] rows) {
    float[] mean = new float[rows[0].length];
    for (float[] r : rows) for (int i = 0; i < mean.length; i++) mean[i] += r[i] / rows.length;
    return mean;
  }

  /**
   * The imprint of phi's row idx (and the fusion slot of modality m) from a mean embedding (Qi et
   * al., "Low-Shot Learning with Imprinted Weights", CVPR 2018), centred on {@code center} = {mu,
   * {radius}} of m's embeddings when known (see {@link #imprint}).
   */
  synchronized void imprintRows(int idx, Modality modality, float[] mean, float[][] center) {
    int d = cfg.embeddingDim();
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
   * Writes row idx of (w, b): {@code w = s * u / r}, {@code b = bbar - L * w . mu}, so its logit
   * {@code L * w . e + b = L * s * u . (e - mu) / r + bbar} is a scaled cosine of the centred
   * embedding (e - mu) to the centred prototype direction u, on the same scale s (the mean norm of
   * the learned rows, L = {@link Nets#LOGIT_SCALE}) and mean bias bbar as the learned rows.
   * Centring removes the offset all embeddings of one modality share (the modality gap): without it
   * the prototype of k clips of one modality is close to every clip of that modality and the
   * enrolled class wins almost every prediction.
   */
  private void imprint(
      String wName, String bName, int idx, float[] unit, float[] mu, float radius, int offset) {
    NDArray w = params.get(wName);
    NDArray b = params.get(bName);
    int cols = (int) w.getShape().get(1);
    int d = unit.length;
    float[] wv = HostTransfers.floats(w);
    float[] bv = HostTransfers.floats(b);
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

  // ------------------------------------------------------------------------------------------
  // snapshot

  /**
   * The snapshot bytes of this model with the learner's state ({@code counters} samplesSeen,
   * warm-up end, last prototype refresh, skipped, rejected; {@code prequential} counts).
   */
  synchronized byte[] encode(
      Map<String, String> provenance, long[] learnerCounters, Map<String, long[]> prequential) {
    return capture(provenance, learnerCounters, prequential).get();
  }

  /**
   * As {@link #encode}, the state taken now (parameters read to Java, classes, prototypes, counters
   * copied) and encoded when the supplier is called, on any thread.
   */
  synchronized java.util.function.Supplier<byte[]> capture(
      Map<String, String> provenance, long[] learnerCounters, Map<String, long[]> prequential) {
    ensureOpen();
    Map<String, String> prov = new LinkedHashMap<>(provenance);
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
      values.put(e.getKey(), HostTransfers.floats(e.getValue()));
    }
    long[] counters = {
      learnerCounters[0],
      learnerCounters[1],
      learnerCounters[2],
      learnerCounters[3],
      learnerCounters[4],
      capacity,
      generation
    };
    Map<Modality, Map<String, float[]>> protos = new EnumMap<>(Modality.class);
    protos.putAll(prototypes.all());
    // centroid arrays are never written in place (PrototypeBank replaces them), so sharing is safe
    List<String> cls = List.copyOf(classes);
    return () ->
        SnapshotCodec.encode(cfg, prov, cls, counters, prequential, shapes, values, protos);
  }

  private void load(SnapshotCodec.Decoded d) {
    for (String c : d.classes()) {
      classIndex.put(c, classes.size());
      classes.add(c);
    }
    capacity = (int) d.counters()[5];
    generation = (int) d.counters()[6];
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
    d.prototypes().forEach((m, map) -> map.forEach((c, v) -> prototypes.put(m, c, v)));
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

  /** Number of NDArrays currently held by this model's native memory manager (for leak checks). */
  public synchronized int openArrays() {
    return base.getManagedArrays().size();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      base.close();
    }
  }

  void ensureOpen() {
    if (closed) throw new IllegalStateException("model is closed");
  }
}
