package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015, Algorithm 1; DJL's defaults beta1 0.9, beta2 0.999, eps 1e-8, no weight
 * decay) for the CroMA inner loops, written with plain in-place NDArray ops.
 *
 * <p>Why not {@code Optimizer.adam()}: with DJL 0.35.1 on PyTorch 2.7.1 its native
 * {@code adamUpdate} loses about three parameter-sized buffers per call (measured: 250 kB per update
 * of the 83 kB tiny text encoder, ~14 MB per learn step with the default config) although every
 * NDArray involved is closed, so process RSS grew linearly with the learn steps. The moment
 * estimates here belong to the weight's manager (the Reptile task's), like DJL's, and every
 * temporary is closed at once.
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
        NDArray[] mv = moments.computeIfAbsent(parameterId, k -> new NDArray[] {weight.zerosLike(), weight.zerosLike()});
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
        // w <- w - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)   (bias correction folded into the rate)
        float lr = (float) (learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
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
