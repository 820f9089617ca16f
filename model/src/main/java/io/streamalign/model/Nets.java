package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The networks of the learner as pure functions of a named parameter map (DJL's functional {@code
 * Conv2d.conv2d}, {@code Linear.linear}, {@code Pool.maxPool2d}).
 *
 * <p>Parameters are plain NDArrays in one map rather than DJL Blocks: Reptile (CroMA Algorithm 1)
 * needs copies of the meta parameters and in-place interpolation, snapshots need every value, and
 * the classifier must grow with new classes; a name -> array map does all three without rebuilding
 * Blocks. Encoders:
 *
 * <ul>
 *   <li>video C x H x W, {@code videoEncoder} "flatten" (the default): the audio CNN below;
 *       "maxpool": conv3x3(16)-relu-maxpool2, conv3x3(32)-relu-maxpool2, conv3x3(64)-relu, global
 *       max pooling over the image, linear to d: the pooled features do not depend on where in the
 *       frame an object is, so an object is recognized wherever it appears without first being seen
 *       at every position (README, "The learner": on the demo's drifting shapes the flattened-map
 *       encoder stayed near chance for video alone);
 *   <li>audio log-mel 1 x bands x frames: conv3x3(16)-relu-maxpool2, conv3x3(32)-relu-maxpool2,
 *       linear to d from the flattened map (where in frequency a pattern lies matters);
 *   <li>text hashed bag of words: linear(256)-relu (an embedding bag) then linear to d;
 * </ul>
 *
 * each followed by L2 normalization, so embeddings live on the unit sphere of R^d (the aligned
 * space). The classifier phi is a linear layer on the aligned space with {@code capacity} rows of
 * which the first {@code n} (the known classes) are used. Fusion heads: concat (default), sum,
 * FiLM, gated (the four PMR compares).
 */
final class Nets {

  static final int C1 = 16;
  static final int C2 = 32;
  static final int C3 = 64;
  static final int TEXT_HIDDEN = 256;

  /**
   * Fixed scale of the unit-norm features entering phi and the fusion output layer (a
   * cosine-classifier temperature): with ||e|| = 1 a plain linear layer needs large weights before
   * its softmax can be confident, which SGD at lr 1e-2 reaches only slowly; the scale makes early
   * online steps count.
   */
  static final float LOGIT_SCALE = 10f;

  private Nets() {}

  /** The modalities in the learner's canonical order: source, target, then the rest. */
  static List<Modality> order(LearnerConfig cfg) {
    List<Modality> out = new ArrayList<>();
    out.add(cfg.sourceModality());
    if (cfg.targetModality() != cfg.sourceModality()) out.add(cfg.targetModality());
    for (Modality m : Modality.values()) if (!out.contains(m)) out.add(m);
    return out;
  }

  /** Shapes of every parameter, by name, for the given classifier capacity. */
  static Map<String, Shape> shapes(LearnerConfig cfg, int capacity) {
    Map<String, Shape> s = new LinkedHashMap<>();
    int d = cfg.embeddingDim();
    if (cfg.videoEncoder().equals(LearnerConfig.VIDEO_FLATTEN))
      cnn(s, "video", cfg.videoChannels(), cfg.videoHeight(), cfg.videoWidth(), d);
    else videoCnn(s, cfg.videoChannels(), d);
    cnn(s, "audio", 1, cfg.audioMelBands(), cfg.audioFrames(), d);
    s.put("text.fc1.w", new Shape(TEXT_HIDDEN, cfg.textVocab()));
    s.put("text.fc1.b", new Shape(TEXT_HIDDEN));
    s.put("text.fc2.w", new Shape(d, TEXT_HIDDEN));
    s.put("text.fc2.b", new Shape(d));
    s.put("phi.w", new Shape(capacity, d));
    s.put("phi.b", new Shape(capacity));
    switch (fusion(cfg)) {
      case "concat" -> s.put("fuse.w", new Shape(capacity, (long) d * Modality.values().length));
      case "sum" -> s.put("fuse.w", new Shape(capacity, d));
      case "film" -> {
        s.put("fuse.film.w", new Shape(2L * d, d));
        s.put("fuse.film.b", new Shape(2L * d));
        s.put("fuse.w", new Shape(capacity, d));
      }
      case "gated" -> {
        s.put("fuse.gate.w", new Shape(d, d));
        s.put("fuse.gate.b", new Shape(d));
        s.put("fuse.val.w", new Shape(d, d));
        s.put("fuse.val.b", new Shape(d));
        s.put("fuse.w", new Shape(capacity, d));
      }
      default -> throw new IllegalArgumentException("unknown fusion " + cfg.fusion());
    }
    s.put("fuse.b", new Shape(capacity));
    return s;
  }

  static String fusion(LearnerConfig cfg) {
    return LearnerConfig.fusionKind(cfg.fusion());
  }

  private static void videoCnn(Map<String, Shape> s, int ch, int d) {
    stem(s, "video", ch);
    s.put("video.c3.w", new Shape(C3, C2, 3, 3));
    s.put("video.c3.b", new Shape(C3));
    s.put("video.fc.w", new Shape(d, C3));
    s.put("video.fc.b", new Shape(d));
  }

  private static void cnn(Map<String, Shape> s, String p, int ch, int h, int w, int d) {
    stem(s, p, ch);
    s.put(p + ".fc.w", new Shape(d, (long) C2 * (h / 4) * (w / 4)));
    s.put(p + ".fc.b", new Shape(d));
  }

  /** The two conv3x3-relu-maxpool2 blocks both CNNs start with. */
  private static void stem(Map<String, Shape> s, String p, int ch) {
    s.put(p + ".c1.w", new Shape(C1, ch, 3, 3));
    s.put(p + ".c1.b", new Shape(C1));
    s.put(p + ".c2.w", new Shape(C2, C1, 3, 3));
    s.put(p + ".c2.b", new Shape(C2));
  }

  /** The parameter-name prefix of a modality's encoder. */
  static String prefix(Modality m) {
    return m.name().toLowerCase() + ".";
  }

  /**
   * Deterministic initialization from java.util.Random seeded by (seed, name): He-normal for layers
   * followed by ReLU, LeCun-normal for the last layers, zero biases. Independent of the native RNG,
   * so two learners with one seed start identical whatever else runs in the JVM.
   */
  static float[] init(String name, Shape shape, long seed) {
    int n = Math.toIntExact(shape.size());
    float[] v = new float[n];
    if (name.endsWith(".b")) return v;
    long fanIn = shape.size() / shape.get(0);
    boolean relu =
        name.contains(".c1.")
            || name.contains(".c2.")
            || name.contains(".c3.")
            || name.startsWith("text.fc1")
            || name.startsWith("fuse.val")
            || name.startsWith("fuse.gate");
    double std = Math.sqrt((relu ? 2.0 : 1.0) / fanIn);
    if (name.startsWith("phi.") || name.equals("fuse.w")) std = 0.01;
    Random r = new Random(seed * 1_000_003L + name.hashCode());
    for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * std);
    return v;
  }

  /** Encodes a batch (B, featureSize) of modality m into L2-normalized embeddings (B, d). */
  static NDArray encode(LearnerConfig cfg, Map<String, NDArray> p, Modality m, NDArray x) {
    long b = x.getShape().get(0);
    NDArray z;
    switch (m) {
      case VIDEO -> {
        NDArray img = x.reshape(b, cfg.videoChannels(), cfg.videoHeight(), cfg.videoWidth());
        z =
            cfg.videoEncoder().equals(LearnerConfig.VIDEO_FLATTEN)
                ? cnnForward(p, "video.", img)
                : videoForward(p, img);
      }
      case AUDIO ->
          z = cnnForward(p, "audio.", x.reshape(b, 1, cfg.audioMelBands(), cfg.audioFrames()));
      case TEXT -> {
        NDArray h =
            Activation.relu(Linear.linear(x, p.get("text.fc1.w"), p.get("text.fc1.b")).get(0));
        z = Linear.linear(h, p.get("text.fc2.w"), p.get("text.fc2.b")).get(0);
      }
      default -> throw new IllegalStateException();
    }
    return l2normalize(z);
  }

  static NDArray l2normalize(NDArray z) {
    return z.div(z.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
  }

  private static NDArray videoForward(Map<String, NDArray> p, NDArray x) {
    Shape one = new Shape(1, 1);
    NDArray h = stemForward(p, "video.", x);
    h = Conv2d.conv2d(h, p.get("video.c3.w"), p.get("video.c3.b"), one, one, one, 1).get(0);
    // global max pooling over the image: (B, C3, H', W') -> (B, C3)
    h = Activation.relu(h).reshape(h.getShape().get(0), C3, -1).max(new int[] {2});
    return Linear.linear(h, p.get("video.fc.w"), p.get("video.fc.b")).get(0);
  }

  private static NDArray cnnForward(Map<String, NDArray> p, String pre, NDArray x) {
    NDArray h = stemForward(p, pre, x);
    h = h.reshape(h.getShape().get(0), -1);
    return Linear.linear(h, p.get(pre + "fc.w"), p.get(pre + "fc.b")).get(0);
  }

  /** conv3x3(16)-relu-maxpool2, conv3x3(32)-relu-maxpool2: (B, C, H, W) -> (B, 32, H/4, W/4). */
  private static NDArray stemForward(Map<String, NDArray> p, String pre, NDArray x) {
    Shape one = new Shape(1, 1);
    Shape two = new Shape(2, 2);
    Shape zero = new Shape(0, 0);
    NDArray h = Conv2d.conv2d(x, p.get(pre + "c1.w"), p.get(pre + "c1.b"), one, one, one, 1).get(0);
    h = Pool.maxPool2d(Activation.relu(h), two, two, zero, false);
    h = Conv2d.conv2d(h, p.get(pre + "c2.w"), p.get(pre + "c2.b"), one, one, one, 1).get(0);
    return Pool.maxPool2d(Activation.relu(h), two, two, zero, false);
  }

  /** phi: logits (B, n) over the first n classes from aligned embeddings (B, d). */
  static NDArray classify(Map<String, NDArray> p, NDArray e, int n) {
    NDManager mgr = e.getManager();
    return Linear.linear(
            Ops.mul(e, LOGIT_SCALE), rows(p.get("phi.w"), n, mgr), rows(p.get("phi.b"), n, mgr))
        .get(0);
  }

  /**
   * The first n rows of a (a view owned by {@code mgr}, the step's manager, never the parameters').
   */
  static NDArray rows(NDArray a, int n, NDManager mgr) {
    return a.getShape().get(0) == n ? a : a.get(mgr, new ai.djl.ndarray.index.NDIndex("0:" + n));
  }

  /**
   * The fusion head: logits (B, n) from the embeddings of the present modalities (at least two;
   * with one present callers use {@link #classify}). Concat fills absent modalities' slots with
   * zeros; sum adds the present ones; FiLM and gated condition the mean of the others on the first
   * present modality in {@link #order} (PMR's FiLM: gamma(x) * y + beta(x); gated: sigmoid(W x) *
   * (V y)).
   */
  static NDArray fuse(
      LearnerConfig cfg, Map<String, NDArray> p, Map<Modality, NDArray> emb, int n, NDManager mgr) {
    NDArray w = rows(p.get("fuse.w"), n, mgr);
    NDArray bias = rows(p.get("fuse.b"), n, mgr);
    int d = cfg.embeddingDim();
    NDArray any = emb.values().iterator().next();
    long b = any.getShape().get(0);
    NDArray h;
    switch (fusion(cfg)) {
      case "concat" -> {
        NDList parts = new NDList();
        for (Modality m : Modality.values()) {
          NDArray e = emb.get(m);
          parts.add(e != null ? e : mgr.zeros(new Shape(b, d), any.getDataType()));
        }
        h = NDArrays.concat(parts, 1);
      }
      case "sum" -> {
        NDArray acc = null;
        for (NDArray e : emb.values()) acc = acc == null ? e : acc.add(e);
        h = acc;
      }
      case "film", "gated" -> {
        NDArray cond = null;
        NDArray other = null;
        int k = 0;
        for (Modality m : order(cfg)) {
          NDArray e = emb.get(m);
          if (e == null) continue;
          if (cond == null) {
            cond = e;
          } else {
            other = other == null ? e : other.add(e);
            k++;
          }
        }
        if (k > 1) other = Ops.div(other, k);
        if ("film".equals(fusion(cfg))) {
          NDArray gb = Linear.linear(cond, p.get("fuse.film.w"), p.get("fuse.film.b")).get(0);
          NDArray gamma = gb.get(":, 0:" + d);
          NDArray beta = gb.get(":, " + d + ":");
          h = other.mul(gamma.add(1f)).add(beta);
        } else {
          NDArray gate =
              Activation.sigmoid(
                  Linear.linear(cond, p.get("fuse.gate.w"), p.get("fuse.gate.b")).get(0));
          NDArray val = Linear.linear(other, p.get("fuse.val.w"), p.get("fuse.val.b")).get(0);
          h = gate.mul(val);
        }
      }
      default -> throw new IllegalStateException();
    }
    return Linear.linear(Ops.mul(h, LOGIT_SCALE), w, bias).get(0);
  }
}
