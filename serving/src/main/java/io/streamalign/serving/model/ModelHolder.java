package io.streamalign.serving.model;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model being served now, swapped atomically.
 *
 * <p>Readers take a {@link Lease} ({@link #acquire()}), predict, and close the lease; a {@link
 * #swap} publishes the new model at once (the next lease sees it) and drops the holder's reference
 * to the old one, which is closed only when its last lease is closed: in-flight predictions drain
 * on the model they started with, and nobody waits on the hot path.
 *
 * <p>Versions never go backwards: a swap to a version not greater than the current one is refused.
 */
public final class ModelHolder implements AutoCloseable {

  private final AtomicReference<ServedModel> current = new AtomicReference<>();
  private boolean closed;

  /** A counted reference to one model; close it when the prediction is done. */
  public static final class Lease implements AutoCloseable {
    private final ServedModel model;
    private boolean released;

    private Lease(ServedModel model) {
      this.model = model;
    }

    public ServedModel model() {
      return model;
    }

    @Override
    public void close() {
      if (!released) {
        released = true;
        model.release();
      }
    }
  }

  /** A lease on the current model, or empty when none is loaded yet. */
  public Optional<Lease> acquire() {
    while (true) {
      ServedModel m = current.get();
      if (m == null) return Optional.empty();
      if (m.tryRetain()) return Optional.of(new Lease(m));
      // lost a race with a swap that closed m: the next read sees the new model
      if (current.get() == m) return Optional.empty();
    }
  }

  /**
   * Makes {@code next} the served model if its version is greater than the current one; the holder
   * takes over the caller's reference to {@code next} on success. On refusal the caller still owns
   * {@code next} (and usually releases it).
   *
   * @return the replaced model (possibly still draining), or empty if there was none
   * @throws IllegalArgumentException when the version would not increase, or the names differ
   */
  public synchronized Optional<ServedModel> swap(ServedModel next) {
    if (closed) throw new IllegalStateException("holder closed");
    ServedModel old = current.get();
    if (old != null) {
      if (!old.modelName().equals(next.modelName())) {
        throw new IllegalArgumentException(
            "model name " + next.modelName() + " != " + old.modelName());
      }
      if (next.version() <= old.version()) {
        throw new IllegalArgumentException(
            "version "
                + next.version()
                + " does not increase on the served version "
                + old.version());
      }
    }
    current.set(next);
    if (old != null) old.release();
    return Optional.ofNullable(old);
  }

  /** The served version, or -1 when none is loaded. */
  public long version() {
    ServedModel m = current.get();
    return m == null ? -1L : m.version();
  }

  /** The served model without taking a reference (for inspection only; do not predict with it). */
  public Optional<ServedModel> peek() {
    return Optional.ofNullable(current.get());
  }

  /** Drops the holder's reference to the current model (closed once in-flight leases drain). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    ServedModel m = current.getAndSet(null);
    if (m != null) m.release();
  }
}
