package io.streamalign.model;

import ai.djl.ndarray.NDArray;

/**
 * Every read of an NDArray's values into Java that the model module makes (a host sync on a GPU:
 * the host waits for the device's queue to drain, then copies), counted per thread: the learner's
 * step and serving read through these helpers and nowhere else ({@code HostTransfersTest} checks
 * the sources), so {@link #reads()} before and after a {@code learn} call is the number of host
 * syncs of that step. DJL's engine has no counter of its own; the libtorch operators a step runs
 * are counted by the benchmark with libtorch's profiler ({@code streamalign bench
 * learner-vs-torch}).
 */
public final class HostTransfers {

  private static final ThreadLocal<long[]> READS = ThreadLocal.withInitial(() -> new long[1]);

  private HostTransfers() {}

  /** Host reads (NDArray to Java) made on the calling thread so far. */
  public static long reads() {
    return READS.get()[0];
  }

  static float scalar(NDArray a) {
    READS.get()[0]++;
    return a.getFloat();
  }

  static float[] floats(NDArray a) {
    READS.get()[0]++;
    return a.toFloatArray();
  }

  static long[] longs(NDArray a) {
    READS.get()[0]++;
    return a.toLongArray();
  }
}
