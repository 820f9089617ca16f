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
 */
public record LearnerFactory(
    Function<LearnerConfig, OnlineLearner> create, Function<byte[], OnlineLearner> restore) {

  public LearnerFactory {
    Objects.requireNonNull(create, "create");
    Objects.requireNonNull(restore, "restore");
  }

  /** The real learner: {@link CrossModalLearner#create} and {@link CrossModalLearner#restore}. */
  public static LearnerFactory crossModal() {
    return new LearnerFactory(CrossModalLearner::create, CrossModalLearner::restore);
  }
}
