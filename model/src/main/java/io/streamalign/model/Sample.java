package io.streamalign.model;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One paired sample as the learner sees it: featurized inputs for any non-empty subset of the
 * modalities, an optional class label, and the modalities that label may be used for (the label
 * budget: e.g. every video sample labeled, only k per class for audio).
 *
 * <p>Feature layouts (flat, row-major, float32) are fixed by {@link LearnerConfig}: video {@code
 * channels x height x width}, audio {@code melBands x frames} (log-mel), text a hashed bag-of-words
 * vector of {@code textVocab} entries.
 *
 * @param id unique sample id (e.g. streamId + window start)
 * @param streamId the stream it came from; members of a STRONG pair share stream and window
 * @param eventTimeMs event time
 * @param features featurized inputs per present modality (at least one)
 * @param label class name, or {@code null} when unlabeled
 * @param labeled modalities the label may be used for (empty when unlabeled)
 * @param conceptGroup weak-pair group (e.g. the digit word), or {@code null}
 */
public record Sample(
    String id,
    String streamId,
    long eventTimeMs,
    Map<Modality, float[]> features,
    String label,
    Set<Modality> labeled,
    String conceptGroup) {

  public Sample {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(features, "features");
    if (features.isEmpty()) {
      throw new IllegalArgumentException("sample " + id + " has no modality");
    }
    features = Collections.unmodifiableMap(new EnumMap<>(features));
    labeled =
        label == null || labeled == null || labeled.isEmpty()
            ? Collections.unmodifiableSet(EnumSet.noneOf(Modality.class))
            : Collections.unmodifiableSet(EnumSet.copyOf(labeled));
  }

  /** An unlabeled sample, e.g. for prediction. */
  public static Sample unlabeled(String id, Map<Modality, float[]> features) {
    return new Sample(id, id, 0L, features, null, Set.of(), null);
  }

  public boolean has(Modality m) {
    return features.containsKey(m);
  }

  public Set<Modality> modalities() {
    return features.keySet();
  }
}
