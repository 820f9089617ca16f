/**
 * The serving service: follows model snapshots with verified hot swaps, predicts {@code av.infer}
 * exactly once into {@code av.predictions}, enrolls few-shot classes from {@code av.support}, and
 * answers HTTP requests.
 *
 * <p>{@link io.streamalign.serving.ServingService} wires {@link
 * io.streamalign.serving.ServingConfig} into the parts in the sub-packages. Depends on schemas,
 * model (the servable {@link io.streamalign.model.ServableModel} API), kafka-clients, Micrometer
 * and Jackson; never on trainer or ingest.
 */
package io.streamalign.serving;
