/**
 * The online trainer service: {@link io.streamalign.trainer.TrainerService} consumes {@code
 * av.paired} and {@code av.support}, learns with an {@link io.streamalign.model.OnlineLearner} in
 * micro-batches, and publishes {@code ModelSnapshot}s with the consumed offsets in Kafka
 * transactions (exactly once); {@link io.streamalign.trainer.TrainerConfig} is its typed
 * configuration. Its parts live in {@code loop} (the train loop, the learner's thread, rollback),
 * {@code snapshot} (publish, restore), {@code quality} (promotion gate, drift), {@code metrics}
 * (one meters object, the HTTP endpoint) and {@code batch}.
 *
 * <p>Depends on: {@code schemas} (records, topics, settings), {@code model} (the learner contract
 * and {@code CrossModalLearner}), {@code records} (sample conversion, the snapshot codec),
 * kafka-clients, Micrometer. Never on {@code serving} or {@code ingest}.
 */
package io.streamalign.trainer;
