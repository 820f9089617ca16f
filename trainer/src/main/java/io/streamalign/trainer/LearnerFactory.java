package io.streamalign.trainer;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.OnlineLearner;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the trainer makes its learner: {@code create} a fresh one from a config, or {@code restore}
 * one from snapshot bytes (the {@code parameters} of a {@code ModelSnapshot}). Restore must throw
 * (for example {@code SnapshotException}) on bytes it cannot verify.
 *
 * @param create a new learner for a config
 * @param restore a learner from snapshot bytes
 * @param preload loads what {@code create} and {@code restore} need (native libraries) ahead of
 *     time; the trainer runs it on a background thread at start, while it fences and reads
 */
public record LearnerFactory(
    Function<LearnerConfig, OnlineLearner> create,
    Function<byte[], OnlineLearner> restore,
    Runnable preload) {

  public LearnerFactory {
    Objects.requireNonNull(create, "create");
    Objects.requireNonNull(restore, "restore");
    Objects.requireNonNull(preload, "preload");
  }

  /** A factory with nothing to preload. */
  public LearnerFactory(
      Function<LearnerConfig, OnlineLearner> create, Function<byte[], OnlineLearner> restore) {
    this(create, restore, () -> {});
  }

  /**
   * The real learner: {@link CrossModalLearner#create} and {@link CrossModalLearner#restore};
   * preloads PyTorch.
   */
  public static LearnerFactory crossModal() {
    return new LearnerFactory(
        CrossModalLearner::create, CrossModalLearner::restore, CrossModalLearner::preloadEngine);
  }
}
