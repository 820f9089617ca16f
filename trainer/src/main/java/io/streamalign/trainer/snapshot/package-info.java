/**
 * Snapshots on Kafka: {@link io.streamalign.trainer.snapshot.SnapshotPublisher} (one transaction
 * per snapshot with its dead letters, metrics record and offsets), {@link
 * io.streamalign.trainer.snapshot.SnapshotRestorer} (the newest valid committed snapshot), {@link
 * io.streamalign.trainer.snapshot.SnapshotReader} (every committed snapshot of a model), {@link
 * io.streamalign.trainer.snapshot.SnapshotRecord} (what a record says about the learner) and the
 * Kafka size limits snapshots must fit. Hashing, signing and verification are the records module's
 * {@code SnapshotCodec}.
 */
package io.streamalign.trainer.snapshot;
