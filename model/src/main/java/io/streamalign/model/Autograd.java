package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backward pass over named parameters, with the learner's guards: gradients are taken w.r.t.
 * fresh leaf copies, a non-finite loss or gradient refuses the update, and a gradient whose global
 * L2 norm exceeds {@code gradClipNorm} is scaled down to it (PyTorch's {@code clip_grad_norm_}; see
 * {@link LearnerConfig#DEFAULT_GRAD_CLIP_NORM} for why).
 */
final class Autograd {

  private static final Logger LOG = LoggerFactory.getLogger(Autograd.class);

  private final double clipNorm;
  private long clipped;

  Autograd(double clipNorm) {
    this.clipNorm = clipNorm;
  }

  /**
   * The loss value and gradients of one backward pass; {@code grads} null when refused
   * (non-finite); {@code probes} the values of the arrays the loss function added to its probe list
   * (read with the loss, in the same host read).
   */
  record Pass(float loss, Map<String, NDArray> grads, float[] probes) {}

  /**
   * Evaluates {@code loss} on a view of {@code params} where the {@code trainable} entries are
   * leaves requiring gradients (owned by {@code sub}), and back-propagates.
   */
  Pass backward(
      NDManager sub,
      Map<String, NDArray> params,
      Map<String, NDArray> trainable,
      Function<Map<String, NDArray>, NDArray> loss,
      String what) {
    return backward(sub, params, trainable, (view, probes) -> loss.apply(view), what);
  }

  /**
   * As {@link #backward(NDManager, Map, Map, Function, String)}; the loss function may add scalar
   * arrays (e.g. its terms, for the step report) to the probe list it is given: they are read
   * together with the loss and the gradients' squared norms in the pass's one host read.
   *
   * <p>No lock: DJL's {@code GradientCollector} allows one collector per JVM at a time (a static
   * flag), which made every learner in a JVM take turns; libtorch's grad mode is per thread, so the
   * pass sets it for its own thread and calls libtorch's backward directly, and learners on
   * different threads run their passes concurrently.
   */
  Pass backward(
      NDManager sub,
      Map<String, NDArray> params,
      Map<String, NDArray> trainable,
      BiFunction<Map<String, NDArray>, List<NDArray>, NDArray> loss,
      String what) {
    Map<String, NDArray> view = new java.util.HashMap<>(params);
    Map<String, NDArray> leaves = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
      NDArray leaf = e.getValue().duplicate();
      leaf.attach(sub);
      leaf.setRequiresGradient(true);
      leaves.put(e.getKey(), leaf);
      view.put(e.getKey(), leaf);
    }
    List<NDArray> probes = new ArrayList<>();
    NDArray l;
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try {
      l = loss.apply(view, probes);
      JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
    } finally {
      JniUtils.setGradMode(before);
    }
    Map<String, NDArray> grads = new LinkedHashMap<>();
    NDList sums = new NDList();
    sums.add(l.stopGradient().reshape(1));
    for (NDArray p : probes) sums.add(p.stopGradient().reshape(1));
    for (Map.Entry<String, NDArray> e : leaves.entrySet()) {
      NDArray g = e.getValue().getGradient();
      g.attach(e.getValue().getManager());
      grads.put(e.getKey(), g);
      sums.add(g.square().sum().reshape(1));
    }
    // the pass's one host read: loss, probes and each gradient's squared L2 norm
    float[] read = HostTransfers.floats(NDArrays.concat(sums));
    float value = read[0];
    float[] probeValues = java.util.Arrays.copyOfRange(read, 1, 1 + probes.size());
    float[] squares = java.util.Arrays.copyOfRange(read, 1 + probes.size(), read.length);
    return new Pass(
        value, finiteAndClipped(what, value, grads, squares) ? grads : null, probeValues);
  }

  /** Updates whose gradients were scaled down to the clip norm so far. */
  long clippedUpdates() {
    return clipped;
  }

  private boolean finiteAndClipped(
      String what, float loss, Map<String, NDArray> grads, float[] squares) {
    if (!Float.isFinite(loss)) return false;
    double sq = 0;
    double top = 0;
    String topName = null;
    int i = 0;
    for (String name : grads.keySet()) {
      double v = squares[i++];
      sq += v;
      if (v > top) {
        top = v;
        topName = name;
      }
    }
    double norm = Math.sqrt(sq);
    if (!Double.isFinite(norm)) return false;
    if (clipNorm > 0 && norm > clipNorm) {
      float k = (float) (clipNorm / norm);
      for (NDArray g : grads.values()) g.muli(k);
      clipped++;
      if (norm > 100 * clipNorm) {
        LOG.warn(
            "{}: gradient norm {} clipped to {} (largest: {}, norm {}; loss {})",
            what,
            (float) norm,
            clipNorm,
            topName,
            (float) Math.sqrt(top),
            loss);
      }
    }
    return true;
  }
}
