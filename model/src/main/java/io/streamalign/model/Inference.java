package io.streamalign.model;

import java.util.List;
import java.util.Set;

/**
 * What the learner predicts for one sample.
 *
 * @param label the predicted class name
 * @param score its probability
 * @param topK the best classes, highest first
 * @param modalities the modalities the prediction used
 */
public record Inference(
    String label, double score, List<ClassScore> topK, Set<Modality> modalities) {

  /** A class and its probability. */
  public record ClassScore(String className, double score) {}
}
