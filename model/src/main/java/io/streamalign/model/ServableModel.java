package io.streamalign.model;

import java.util.List;

/**
 * What serving needs of a model: predict from any non-empty subset of modalities and enroll a class
 * from k examples, over a fixed set of parameters. {@link CrossModalModel} is the servable half of
 * the learner (what a snapshot holds); {@link OnlineLearner} adds learning.
 */
public interface ServableModel extends AutoCloseable {

  /** Predicts one sample from any non-empty subset of modalities; never changes the model. */
  Inference predict(Sample sample);

  /** Predicts many samples at once (micro-batched); never changes the model. */
  List<Inference> predictBatch(List<Sample> samples);

  /** Adds (or refreshes) a class at once from k labeled examples of one modality, by prototype. */
  void enroll(String className, Modality modality, List<float[]> examples);

  /** The class names the model can predict, in index order. */
  List<String> classes();

  /** The model's configuration. */
  LearnerConfig config();

  @Override
  void close();
}
