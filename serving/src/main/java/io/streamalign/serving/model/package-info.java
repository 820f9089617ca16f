/**
 * The model side of serving: {@link io.streamalign.serving.model.ModelHolder} (the current model,
 * swapped atomically with reference counting), {@link
 * io.streamalign.serving.model.SnapshotVerifier} (sha256, format version, config compatibility,
 * restore), {@link io.streamalign.serving.model.SnapshotFollower} (the consumer of {@code
 * av.model.snapshots}) and {@link io.streamalign.serving.model.Enrollments} (few-shot support
 * examples that survive a swap). Depends on schemas, model, kafka-clients.
 */
package io.streamalign.serving.model;
