package io.streamalign.serving.model;

import io.streamalign.model.Modality;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few-shot support examples received so far, kept so that every newly swapped model is enrolled
 * with them again (re-embedded by its own encoders): enrollment survives a swap.
 *
 * <p>Keeps the newest {@code perClass} examples per class and modality. {@link #add} enrolls into
 * the served model at once; {@link #enrollAll} enrolls everything into a model about to be swapped
 * in. Both run under this object's lock, and the follower swaps under it too ({@link
 * #swapEnrolled}), so no support example can fall between a re-enrollment and the swap.
 */
public final class Enrollments {

  private static final Logger LOG = LoggerFactory.getLogger(Enrollments.class);

  private final int perClass;
  private final Map<String, Map<Modality, Deque<float[]>>> examples = new LinkedHashMap<>();

  public Enrollments(int perClass) {
    if (perClass < 1) throw new IllegalArgumentException("perClass must be >= 1");
    this.perClass = perClass;
  }

  /**
   * Stores one example and enrolls its class (with all its kept examples of that modality) into the
   * served model, if any.
   *
   * @throws IllegalArgumentException when the served model's input size for the modality differs
   */
  public synchronized void add(
      String className, Modality modality, float[] features, ModelHolder holder) {
    Optional<ModelHolder.Lease> lease = holder.acquire();
    try {
      if (lease.isPresent()) {
        int expected = lease.get().model().config().featureSize(modality);
        if (features.length != expected) {
          throw new IllegalArgumentException(
              modality
                  + " support example has "
                  + features.length
                  + " features, the model takes "
                  + expected);
        }
      }
      Deque<float[]> q =
          examples
              .computeIfAbsent(className, k -> new EnumMap<>(Modality.class))
              .computeIfAbsent(modality, k -> new ArrayDeque<>());
      List<float[]> before = new ArrayList<>(q);
      q.addLast(features);
      while (q.size() > perClass) q.removeFirst();
      if (lease.isPresent()) {
        try {
          lease.get().model().enroll(className, modality, new ArrayList<>(q));
        } catch (RuntimeException e) {
          // the learner refuses it: forget it, or every later model would refuse it again
          q.clear();
          q.addAll(before);
          if (before.isEmpty()) examples.get(className).remove(modality);
          if (examples.get(className).isEmpty()) examples.remove(className);
          throw e;
        }
      }
    } finally {
      lease.ifPresent(ModelHolder.Lease::close);
    }
  }

  /** Enrolls every kept class into {@code model} (not yet served). */
  public synchronized void enrollAll(ServedModel model) {
    examples.forEach(
        (cls, byModality) ->
            byModality.forEach(
                (m, q) -> {
                  if (q.isEmpty()) return;
                  if (q.peekFirst().length != model.config().featureSize(m)) {
                    LOG.warn(
                        "not re-enrolling {} ({}) into {}: feature size {} != {}",
                        cls,
                        m,
                        model,
                        q.peekFirst().length,
                        model.config().featureSize(m));
                    return;
                  }
                  try {
                    model.enroll(cls, m, new ArrayList<>(q));
                  } catch (RuntimeException e) {
                    LOG.warn("not re-enrolling {} ({}) into {}: {}", cls, m, model, e.toString());
                  }
                }));
  }

  /**
   * Re-enrolls everything into {@code next} and swaps it in, atomically with respect to {@link
   * #add}.
   */
  public synchronized Optional<ServedModel> swapEnrolled(ModelHolder holder, ServedModel next) {
    enrollAll(next);
    return holder.swap(next);
  }

  /** Class names with kept examples, and per modality how many. */
  public synchronized Map<String, Map<Modality, Integer>> summary() {
    Map<String, Map<Modality, Integer>> out = new LinkedHashMap<>();
    examples.forEach(
        (cls, byModality) -> {
          Map<Modality, Integer> counts = new EnumMap<>(Modality.class);
          byModality.forEach((m, q) -> counts.put(m, q.size()));
          out.put(cls, counts);
        });
    return out;
  }

  /** Number of classes with kept examples. */
  public synchronized int classCount() {
    return examples.size();
  }

  /** Kept examples of one class and modality, oldest first (a copy). */
  public synchronized List<float[]> examples(String className, Modality modality) {
    Map<Modality, Deque<float[]>> byModality = examples.get(className);
    if (byModality == null || !byModality.containsKey(modality)) return List.of();
    return new ArrayList<>(byModality.get(modality));
  }
}
