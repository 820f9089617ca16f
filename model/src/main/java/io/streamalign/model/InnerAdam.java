package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015, Algorithm 1; DJL's defaults beta1 0.9, beta2 0.999, eps 1e-8, no weight
 * decay) for the CroMA inner loops, written with plain in-place NDArray ops.
 *
 * <p>Why not {@code Optimizer.adam()}: the learner needs a fresh Adam per Reptile task (CroMA
 * Algorithm 1 restarts the inner loop from the meta parameters), and DJL's {@code Optimizer} keeps
 * its moment estimates in arrays detached from every manager ({@code withDefaultState} calls {@code
 * detach()}) and cannot be closed: each discarded DJL Adam left its two moments per parameter
 * allocated for the life of the process (~14 MB per learn step with the default config; 12 MB per
 * discarded optimizer of a 4 MB parameter). Here the moments belong to the weight's manager (the
 * task's), so they are freed with the task, and every temporary is closed at once. The update is
 * DJL's, value for value ({@code InnerAdamTest}).
 */
final class InnerAdam extends Optimizer {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPS = 1e-8f;

  private final float learningRate;
  private final Map<String, NDArray[]> moments = new HashMap<>();

  InnerAdam(float learningRate) {
    super(new Builder());
    this.learningRate = learningRate;
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    int t = updateCount(parameterId);
    NDArray[] mv =
        moments.computeIfAbsent(
            parameterId, k -> new NDArray[] {weight.zerosLike(), weight.zerosLike()});
    NDArray m = mv[0];
    NDArray v = mv[1];
    // m <- b1 m + (1 - b1) g ; v <- b2 v + (1 - b2) g^2
    try (NDArray g1 = grad.mul(1f - BETA1)) {
      m.muli(BETA1).addi(g1);
    }
    try (NDArray g2 = grad.square()) {
      g2.muli(1f - BETA2);
      v.muli(BETA2).addi(g2);
    }
    // w <- w - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)   (bias correction folded
    // into the rate)
    float lr =
        (float) (learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
    try (NDArray denom = v.sqrt()) {
      denom.addi(EPS);
      try (NDArray step = m.div(denom)) {
        step.muli(lr);
        weight.subi(step);
      }
    }
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
