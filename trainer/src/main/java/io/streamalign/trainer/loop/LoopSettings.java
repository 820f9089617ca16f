package io.streamalign.trainer.loop;

import io.streamalign.model.LearnerConfig;
import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings the train loop and its recovery run by, taken from the trainer's configuration
 * ({@code TrainerConfig}, where each is documented) when the trainer starts.
 *
 * @param modelName name of the model trained (snapshot key)
 * @param transactionalId the trainer producer's transactional id
 * @param topics the topic names
 * @param batchSize samples per learn step
 * @param batchMaxWait longest a sample waits before a smaller batch is learned
 * @param maxPendingSamples bound of the pending buffer (the consumer pauses above it)
 * @param snapshotEvery a snapshot after this much time with new work
 * @param snapshotEverySamples a snapshot after this many learned samples
 * @param learnerConfig the configured learner (a fresh learner is made from it)
 */
public record LoopSettings(
    String modelName,
    String transactionalId,
    Topics topics,
    int batchSize,
    Duration batchMaxWait,
    int maxPendingSamples,
    Duration snapshotEvery,
    long snapshotEverySamples,
    LearnerConfig learnerConfig) {

  public LoopSettings {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(transactionalId, "transactionalId");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(batchMaxWait, "batchMaxWait");
    Objects.requireNonNull(snapshotEvery, "snapshotEvery");
    Objects.requireNonNull(learnerConfig, "learnerConfig");
  }
}
