package io.streamalign.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /**
   * DJL's PyTorch gradient collector is JVM-global (only one may collect at a time), so learners in
   * one JVM (e.g. a trainer and a serving-side adapt) take turns for their backward passes.
   */
  private static final Object GRAD_LOCK = new Object();

  private final double clipNorm;
  private long clipped;

  Autograd(double clipNorm) {
    this.clipNorm = clipNorm;
  }

  /**
   * The loss value and gradients of one backward pass; {@code grads} null when refused
   * (non-finite).
   */
  record Pass(float loss, Map<String, NDArray> grads) {}

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
    Map<String, NDArray> view = new java.util.HashMap<>(params);
    Map<String, NDArray> leaves = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
      NDArray leaf = e.getValue().duplicate();
      leaf.attach(sub);
      leaf.setRequiresGradient(true);
      leaves.put(e.getKey(), leaf);
      view.put(e.getKey(), leaf);
    }
    float value;
    synchronized (GRAD_LOCK) {
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray l = loss.apply(view);
        gc.backward(l);
        value = HostTransfers.scalar(l);
      }
    }
    Map<String, NDArray> grads = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : leaves.entrySet()) {
      NDArray g = e.getValue().getGradient();
      g.attach(e.getValue().getManager());
      grads.put(e.getKey(), g);
    }
    return new Pass(value, finiteAndClipped(what, value, grads) ? grads : null);
  }

  /** Updates whose gradients were scaled down to the clip norm so far. */
  long clippedUpdates() {
    return clipped;
  }

  private boolean finiteAndClipped(String what, float loss, Map<String, NDArray> grads) {
    if (!Float.isFinite(loss)) return false;
    double sq = 0;
    double top = 0;
    String topName = null;
    for (Map.Entry<String, NDArray> e : grads.entrySet()) {
      try (NDArray g2 = e.getValue().square();
          NDArray s = g2.sum()) {
        double v = HostTransfers.scalar(s);
        sq += v;
        if (v > top) {
          top = v;
          topName = e.getKey();
        }
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
