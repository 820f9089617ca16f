package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * First-order meta-learning as CroMA Algorithm 1 uses it (Reptile, Nichol et al. 2018): copy the
 * meta parameters, take {@code innerSteps} steps of a fresh inner optimizer on the task's loss,
 * then move the meta parameters toward the adapted ones, {@code meta <- meta + eps * (adapted -
 * meta)} (Algorithm 1, the updates of e_s^meta, e_t^meta and phi^meta). The learner runs it twice
 * per batch: on the encoders with the alignment loss (lines 3-5) and on the classifier phi with an
 * episode's cross-entropy (lines 6-9).
 *
 * <p>The inner optimizer is CroMA's (Table 5: Adam, learning rate 1e-3; meta optimizer SGD with eps
 * = 0.1). With one inner step a fresh Adam moves every weight by lr * sign(g) and Reptile
 * degenerates into a scaled (sign-)SGD step on the task loss (Nichol et al. sec. 5: k = 1 is joint
 * training); the default is therefore 5 inner steps ({@link LearnerConfig}).
 */
final class ReptileStep {

  /**
   * The inner loop's loss on a view of the parameters in which the task's copies replace the meta
   * ones.
   */
  interface TaskLoss extends BiFunction<Map<String, NDArray>, NDManager, NDArray> {}

  private final double eps;
  private final int innerSteps;
  private final Supplier<Optimizer> innerOptimizer;
  private final Autograd autograd;

  /** Test hook: the adapted (pre-outer-step) values of the last run. */
  Map<String, float[]> lastAdapted;

  boolean captureAdapted;

  ReptileStep(double eps, int innerSteps, Supplier<Optimizer> innerOptimizer, Autograd autograd) {
    this.eps = eps;
    this.innerSteps = Math.max(1, innerSteps);
    this.innerOptimizer = innerOptimizer;
    this.autograd = autograd;
  }

  /**
   * One meta-update of {@code names} in {@code params} (in place): returns the mean inner loss, or
   * null when an inner step had a non-finite loss or gradient (then the meta parameters are
   * untouched).
   */
  Double run(
      NDManager base, Map<String, NDArray> params, List<String> names, TaskLoss loss, String what) {
    try (NDManager taskMgr = base.newSubManager()) {
      Map<String, NDArray> fast = new LinkedHashMap<>();
      for (String n : names) {
        NDArray c = params.get(n).duplicate();
        c.attach(taskMgr);
        fast.put(n, c);
      }
      Optimizer inner = innerOptimizer.get();
      double sum = 0;
      for (int step = 0; step < innerSteps; step++) {
        try (NDManager sub = taskMgr.newSubManager()) {
          Autograd.Pass p =
              autograd.backward(sub, params, fast, view -> loss.apply(view, sub), what);
          if (p.grads() == null) return null;
          for (String n : names) inner.update(n, fast.get(n), p.grads().get(n));
          sum += p.loss();
        }
      }
      if (captureAdapted) {
        lastAdapted = new LinkedHashMap<>();
        for (String n : names) lastAdapted.put(n, HostTransfers.floats(fast.get(n)));
      }
      outer(params, fast, names, eps);
      return sum / innerSteps;
    }
  }

  /**
   * The outer step of CroMA Algorithm 1: {@code meta <- meta + eps * (adapted - meta)}, in place.
   */
  static void outer(
      Map<String, NDArray> meta, Map<String, NDArray> adapted, List<String> names, double eps) {
    for (String n : names) {
      NDArray m = meta.get(n);
      try (NDArray delta = adapted.get(n).sub(m)) {
        delta.muli((float) eps);
        m.addi(delta);
      }
    }
  }
}
