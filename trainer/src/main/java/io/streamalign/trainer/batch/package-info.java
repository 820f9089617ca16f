/**
 * The bounded micro-batching buffer of the trainer (size and time triggers, pause/resume bound). No
 * Kafka.
 */
package io.streamalign.trainer.batch;
