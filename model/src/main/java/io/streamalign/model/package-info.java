/**
 * The StreamAlign learner: per-modality encoders into an aligned space, classifier, fusion head,
 * CroMA meta-alignment and meta-classification, PMR prototypes and rebalancing, and snapshots
 * ({@link io.streamalign.model.CrossModalLearner}); the contract types the trainer and serving use
 * ({@link io.streamalign.model.OnlineLearner}, {@link io.streamalign.model.Sample}, {@link
 * io.streamalign.model.LearnerConfig}, ...).
 *
 * <p>May depend on DJL (api + PyTorch engine) and the features module; never on Kafka or Avro.
 */
package io.streamalign.model;
