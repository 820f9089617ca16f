package io.streamalign.model;

import java.util.List;
import java.util.Map;

/**
 * The online learner contract the trainer and serving services use (River's manner:
 * test-then-train). Implementations are not thread-safe unless they say so; {@link #predict} never
 * changes the model.
 */
public interface OnlineLearner extends AutoCloseable {

  /** Predicts every labeled sample first (prequential score), then learns from the batch. */
  StepReport learn(List<Sample> batch);

  /** Predicts one sample from any non-empty subset of modalities; never changes the model. */
  Inference predict(Sample sample);

  /** Predicts many samples at once (micro-batched); never changes the model. */
  List<Inference> predictBatch(List<Sample> samples);

  /** Adds (or refreshes) a class at once from k labeled examples of one modality, by prototype. */
  void enroll(String className, Modality modality, List<float[]> examples);

  /** The class names the learner can predict, in index order. */
  List<String> classes();

  /** Total labeled + unlabeled samples learned from so far. */
  long samplesSeen();

  /** The learner's configuration. */
  LearnerConfig config();

  /**
   * Serializes the whole learner state (config, parameters, prototypes, classes, metrics, the given
   * provenance) with a format version and sha256; {@code restore} of these bytes predicts
   * identically.
   */
  byte[] snapshot(Map<String, String> provenance);

  /**
   * Called by the trainer when its drift detector fires (the stream's distribution changed).
   * Learners that keep state tied to the old distribution (warm-up windows, prototypes) reset it
   * here; the default does nothing.
   */
  default void onDrift() {}

  @Override
  void close();
}
