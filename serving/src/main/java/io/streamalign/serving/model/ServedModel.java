package io.streamalign.serving.model;

import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.model.ServableModel;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded, verified model version: the learner plus its name, version and modalities, with a
 * reference count so it is closed only after the last in-flight prediction that uses it is done.
 *
 * <p>The holder owns one reference from {@link ModelHolder#swap} until the next swap; every {@link
 * ModelHolder#acquire() lease} owns one more. The learner is closed when the count drops to zero.
 * Learners are not thread-safe (see {@link ServableModel}), so prediction and enrollment on one
 * model are serialized here; different models run independently.
 */
public final class ServedModel {

  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  private final String modelName;
  private final long version;
  private final ServableModel learner;
  private final Set<Modality> modalities;
  private final long loadedAtMs;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  /**
   * Wraps a restored learner; the new model holds one reference (the creator's), which {@link
   * ModelHolder#swap} takes over, or which the creator must {@link #release()}.
   */
  public ServedModel(
      String modelName, long version, ServableModel learner, Set<Modality> modalities) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    this.version = version;
    this.learner = Objects.requireNonNull(learner, "learner");
    this.modalities =
        modalities == null || modalities.isEmpty()
            ? Collections.unmodifiableSet(EnumSet.allOf(Modality.class))
            : Collections.unmodifiableSet(EnumSet.copyOf(modalities));
    this.loadedAtMs = System.currentTimeMillis();
  }

  public String modelName() {
    return modelName;
  }

  public long version() {
    return version;
  }

  public Set<Modality> modalities() {
    return modalities;
  }

  public long loadedAtMs() {
    return loadedAtMs;
  }

  /** The learner's configuration (immutable). */
  public LearnerConfig config() {
    return learner.config();
  }

  /** The classes the model predicts now, including enrolled ones. */
  public synchronized List<String> classes() {
    return List.copyOf(learner.classes());
  }

  /** Predicts a micro-batch; never changes the model. */
  public synchronized List<Inference> predictBatch(List<Sample> samples) {
    ensureOpen();
    return learner.predictBatch(samples);
  }

  /** Predicts one sample; never changes the model. */
  public synchronized Inference predict(Sample sample) {
    ensureOpen();
    return learner.predict(sample);
  }

  /** Enrolls (or refreshes) a class from k examples of one modality, by prototype. */
  public synchronized void enroll(String className, Modality modality, List<float[]> examples) {
    ensureOpen();
    learner.enroll(className, modality, examples);
  }

  private void ensureOpen() {
    if (refs.get() <= 0) {
      throw new IllegalStateException("model " + modelName + " v" + version + " is closed");
    }
  }

  /** Takes a reference unless the model is already closed; true on success. */
  boolean tryRetain() {
    while (true) {
      int n = refs.get();
      if (n <= 0) return false;
      if (refs.compareAndSet(n, n + 1)) return true;
    }
  }

  /** Drops a reference; the last one closes the learner. */
  public void release() {
    int n = refs.decrementAndGet();
    if (n == 0) {
      try {
        synchronized (this) {
          learner.close();
        }
        LOG.debug("closed model {} v{}", modelName, version);
      } catch (RuntimeException e) {
        LOG.warn("error closing model {} v{}", modelName, version, e);
      } finally {
        closed.countDown();
      }
    } else if (n < 0) {
      throw new IllegalStateException(
          "model " + modelName + " v" + version + " released too often");
    }
  }

  /** References held now (holder + in-flight leases); 0 once closed. */
  public int references() {
    return Math.max(0, refs.get());
  }

  /** True once the learner has been closed. */
  public boolean isClosed() {
    return closed.getCount() == 0;
  }

  /** Waits until the learner is closed (all in-flight predictions drained); true if it was. */
  public boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    return closed.await(timeout, unit);
  }

  @Override
  public String toString() {
    return modelName + " v" + version;
  }
}
