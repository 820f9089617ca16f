package io.streamalign.model;

import ai.djl.ndarray.NDArray;

/**
 * Tensor-by-constant operations that are safe under autograd.
 *
 * <p>Why not {@code x.mul(2f)}: DJL 0.35.1's PyTorch engine turns the constant into a scalar tensor
 * over a direct {@link java.nio.ByteBuffer} (torch {@code from_blob}, no copy) and closes that
 * NDArray as soon as the call returns. For ops whose backward needs the operand ({@code mul},
 * {@code div}, {@code maximum}, ...) autograd keeps a reference to that tensor, but the memory
 * under it is the Java buffer, which the garbage collector may free and reuse before {@code
 * backward}: the gradient is then computed with whatever bytes are there (measured: {@code
 * x.mul(3f).sum()} gave gradients of 1e30 or -2e32 instead of 3 in 6 of 20 trials after a GC; in
 * the demo, gradient norms of 1e11-1e14 at ordinary losses, weights thrown to 1e6-1e26 and hundreds
 * of non-finite steps; {@code OpsTest}). Here the scalar is an NDArray attached to {@code x}'s
 * manager (the step's manager in every training path), so it lives until that manager closes, after
 * the backward pass.
 *
 * <p>Public because every module that trains with DJL needs it (the evaluation protocols' own loops
 * too).
 */
public final class Ops {

  private Ops() {}

  /** {@code x * k}. */
  public static NDArray mul(NDArray x, double k) {
    return x.mul(scalar(x, k));
  }

  /** {@code x / k}. */
  public static NDArray div(NDArray x, double k) {
    return x.div(scalar(x, k));
  }

  /** Element-wise {@code max(x, k)}. */
  public static NDArray maximum(NDArray x, double k) {
    return x.maximum(scalar(x, k));
  }

  private static NDArray scalar(NDArray like, double k) {
    return like.getManager().create((float) k).toType(like.getDataType(), false);
  }
}
