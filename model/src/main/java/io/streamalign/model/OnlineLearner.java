package io.streamalign.model;

import java.util.List;
import java.util.Map;

/**
 * The online learner contract the trainer and serving services use (River's manner:
 * test-then-train). Implementations are not thread-safe unless they say so; {@link #predict} never
 * changes the model.
 */
public interface OnlineLearner extends ServableModel {

  /** Predicts every labeled sample first (prequential score), then learns from the batch. */
  StepReport learn(List<Sample> batch);

  /** Total labeled + unlabeled samples learned from so far. */
  long samplesSeen();

  /**
   * Serializes the whole learner state (config, parameters, prototypes, classes, metrics, the given
   * provenance) with a format version and sha256; {@code restore} of these bytes predicts
   * identically.
   */
  byte[] snapshot(Map<String, String> provenance);

  /**
   * The state of {@link #snapshot} taken now, encoded later: the returned supplier gives the same
   * bytes {@code snapshot(provenance)} gives at this call, and may run on another thread while the
   * learner goes on learning (so a trainer takes the state on its learner thread and serializes and
   * hashes it elsewhere). The default encodes at once.
   */
  default java.util.function.Supplier<byte[]> snapshotLater(Map<String, String> provenance) {
    byte[] b = snapshot(provenance);
    return () -> b;
  }

  /**
   * Called by the trainer when its drift detector fires (the stream's distribution changed).
   * Learners that keep state tied to the old distribution (warm-up windows, prototypes) reset it
   * here; the default does nothing.
   */
  default void onDrift() {}
}
