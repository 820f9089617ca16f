package io.streamalign.serving.model;

import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.OnlineLearner;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test-only learner for the swap and verification logic (no DJL): predicts the first class with
 * score 1, records enrollments and whether it was closed, and fails loudly when used after close.
 */
public final class TinyLearner implements OnlineLearner {

  final LearnerConfig cfg;
  final List<String> classes = new ArrayList<>(List.of("a", "b"));
  final AtomicBoolean closed = new AtomicBoolean();
  final List<String> enrolled = new ArrayList<>();
  final java.util.Set<String> refuse = new java.util.HashSet<>();

  public TinyLearner(LearnerConfig cfg) {
    this.cfg = cfg;
  }

  private void check() {
    if (closed.get()) throw new IllegalStateException("used after close");
  }

  @Override
  public StepReport learn(List<Sample> batch) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Inference predict(Sample sample) {
    check();
    return new Inference(
        classes.get(0),
        1.0,
        List.of(new Inference.ClassScore(classes.get(0), 1.0)),
        sample.modalities());
  }

  @Override
  public List<Inference> predictBatch(List<Sample> samples) {
    List<Inference> out = new ArrayList<>();
    for (Sample s : samples) out.add(predict(s));
    return out;
  }

  @Override
  public void enroll(String className, Modality modality, List<float[]> examples) {
    check();
    if (refuse.contains(className)) throw new IllegalArgumentException("refused " + className);
    enrolled.add(className + "/" + modality + "/" + examples.size());
    if (!classes.contains(className)) classes.add(className);
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public long samplesSeen() {
    return 0;
  }

  @Override
  public LearnerConfig config() {
    return cfg;
  }

  @Override
  public byte[] snapshot(Map<String, String> provenance) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) throw new IllegalStateException("closed twice");
  }
}
