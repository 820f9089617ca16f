/**
 * The online trainer service: {@link io.streamalign.trainer.TrainerService} consumes {@code av.paired} and
 * {@code av.support}, learns with an {@link io.streamalign.model.OnlineLearner} in micro-batches, and
 * publishes {@code ModelSnapshot}s with the consumed offsets in Kafka transactions (exactly once);
 * {@link io.streamalign.trainer.TrainerConfig} is its typed configuration.
 *
 * <p>Depends on: {@code schemas} (records, topics, settings), {@code model} (the learner contract and
 * {@code CrossModalLearner}), kafka-clients, Micrometer. Never on {@code serving} or {@code ingest}.
 */
package io.streamalign.trainer;
