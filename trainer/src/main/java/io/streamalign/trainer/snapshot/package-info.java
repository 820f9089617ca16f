/** Reading a model's newest committed snapshot from the compacted snapshots topic, and the Kafka size limits snapshots must fit. */
package io.streamalign.trainer.snapshot;
