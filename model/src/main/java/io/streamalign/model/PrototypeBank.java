package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Class prototypes per modality (PMR, Fan et al. CVPR 2023): the class centroid of a modality's
 * embeddings (eq. 6), kept with momentum {@code c_old <- eps * c_old + (1 - eps) * c_new} (eq. 12).
 *
 * <p>The paper recomputes c_new once per epoch over a random tenth of the training set, with the
 * current encoders. Here c_new is the centroid of <em>every</em> labelled sample {@link #observe}d
 * since the last {@link #refresh}, kept as per-class sums and counts; the learner observes every
 * labelled sample of its replay memory under the current encoders at each refresh (a tenth of a
 * stream's scarce labels is a handful: one audio sample per class in the stream protocol), the
 * {@code pmr-cgmnist} protocol the paper's tenth of the training set at each epoch start. A class
 * seen for the first time gets its centroid at once. A class with no sample in a period keeps its
 * centroid (eq. 12 needs a c_new).
 *
 * @param <M> the modality key ({@link Modality} in the learner; the PMR protocol's two image
 *     modalities)
 */
public final class PrototypeBank<M> {

  private final int dim;
  private final Map<M, Map<String, float[]>> centroids = new LinkedHashMap<>();
  private final Map<M, Map<String, double[]>> sums = new LinkedHashMap<>();
  private final Map<M, Map<String, long[]>> counts =
      new LinkedHashMap<>(); // {since refresh, in total}

  public PrototypeBank(int dim) {
    if (dim <= 0) throw new IllegalArgumentException("dim must be > 0");
    this.dim = dim;
  }

  /**
   * Adds the embeddings {@code z} (n x dim, row-major) of n labelled samples of modality m to the
   * running sums of their classes (PMR eq. 6 over every labelled sample); a class without a
   * centroid of m gets the mean of its rows here at once.
   */
  public void observe(M m, List<String> labels, float[] z) {
    if (z.length != labels.size() * dim) {
      throw new IllegalArgumentException(
          z.length + " values for " + labels.size() + " rows of " + dim);
    }
    Map<String, double[]> s = sums.computeIfAbsent(m, k -> new LinkedHashMap<>());
    Map<String, long[]> n = counts.computeIfAbsent(m, k -> new LinkedHashMap<>());
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      String c = labels.get(i);
      double[] acc = s.computeIfAbsent(c, k -> new double[dim]);
      for (int j = 0; j < dim; j++) acc[j] += z[i * dim + j];
      long[] k = n.computeIfAbsent(c, x -> new long[2]);
      k[0]++;
      k[1]++;
      if (!has(m, c) && !fresh.contains(c)) fresh.add(c);
    }
    for (String c : fresh) {
      centroids.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(c, windowMean(m, c));
      clearWindow(m, c);
    }
  }

  /**
   * PMR eq. 12 for every (modality, class) observed since the last refresh: {@code c <- eps * c +
   * (1 - eps) * mean(observed)}; then the running sums start again.
   */
  public void refresh(double eps) {
    for (Map.Entry<M, Map<String, long[]>> e : counts.entrySet()) {
      for (Map.Entry<String, long[]> c : e.getValue().entrySet()) {
        if (c.getValue()[0] == 0) continue;
        float[] fresh = windowMean(e.getKey(), c.getKey());
        float[] old = get(e.getKey(), c.getKey());
        centroids
            .computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>())
            .put(c.getKey(), old == null ? fresh : momentum(old, fresh, eps));
        clearWindow(e.getKey(), c.getKey());
      }
    }
  }

  /** A deep copy (centroids, running sums and counts). */
  public PrototypeBank<M> copy() {
    PrototypeBank<M> c = new PrototypeBank<>(dim);
    centroids.forEach(
        (m, map) ->
            map.forEach(
                (k, v) ->
                    c.centroids.computeIfAbsent(m, x -> new LinkedHashMap<>()).put(k, v.clone())));
    sums.forEach(
        (m, map) ->
            map.forEach(
                (k, v) -> c.sums.computeIfAbsent(m, x -> new LinkedHashMap<>()).put(k, v.clone())));
    counts.forEach(
        (m, map) ->
            map.forEach(
                (k, v) ->
                    c.counts.computeIfAbsent(m, x -> new LinkedHashMap<>()).put(k, v.clone())));
    return c;
  }

  /** PMR eq. 12: {@code eps * old + (1 - eps) * fresh}. */
  public static float[] momentum(float[] old, float[] fresh, double eps) {
    float[] out = new float[old.length];
    for (int i = 0; i < old.length; i++) out[i] = (float) (eps * old[i] + (1 - eps) * fresh[i]);
    return out;
  }

  /**
   * Sets a centroid outright (drift, enrollment, a restored snapshot); the running sums of that
   * class restart.
   */
  public void put(M m, String c, float[] centroid) {
    if (centroid.length != dim)
      throw new IllegalArgumentException(
          "centroid has " + centroid.length + " values, expected " + dim);
    centroids.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(c, centroid.clone());
    clearWindow(m, c);
  }

  /** The centroid of class c for modality m, or null. */
  public float[] get(M m, String c) {
    Map<String, float[]> mm = centroids.get(m);
    return mm == null ? null : mm.get(c);
  }

  public boolean has(M m, String c) {
    return get(m, c) != null;
  }

  /** Samples of class c and modality m that entered its centroid since start (or restore). */
  public long count(M m, String c) {
    long[] k = counts.getOrDefault(m, Map.of()).get(c);
    return k == null ? 0 : k[1];
  }

  /** Class -> centroid of modality m, in insertion order (read-only). */
  public Map<String, float[]> of(M m) {
    return Collections.unmodifiableMap(centroids.getOrDefault(m, Map.of()));
  }

  /** Every centroid (snapshot). */
  public Map<M, Map<String, float[]>> all() {
    Map<M, Map<String, float[]>> out = new LinkedHashMap<>();
    centroids.forEach((m, map) -> out.put(m, new LinkedHashMap<>(map)));
    return out;
  }

  /**
   * The centroids of {@code classes} as a (k, dim) array owned by {@code mgr}, or null when one is
   * missing.
   */
  public NDArray matrix(NDManager mgr, M m, List<String> classes) {
    float[] flat = new float[classes.size() * dim];
    for (int i = 0; i < classes.size(); i++) {
      float[] c = get(m, classes.get(i));
      if (c == null) return null;
      System.arraycopy(c, 0, flat, i * dim, dim);
    }
    return mgr.create(flat, new Shape(classes.size(), dim));
  }

  private float[] windowMean(M m, String c) {
    double[] acc = sums.get(m).get(c);
    long n = counts.get(m).get(c)[0];
    float[] mean = new float[dim];
    for (int j = 0; j < dim; j++) mean[j] = (float) (acc[j] / n);
    return mean;
  }

  private void clearWindow(M m, String c) {
    Map<String, double[]> s = sums.get(m);
    if (s != null && s.containsKey(c)) java.util.Arrays.fill(s.get(c), 0.0);
    Map<String, long[]> n = counts.get(m);
    if (n != null && n.containsKey(c)) n.get(c)[0] = 0;
  }
}
