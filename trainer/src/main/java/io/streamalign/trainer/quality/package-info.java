/**
 * Model quality over the stream: prequential (test-then-train) accuracy windows, the promotion
 * gate, and the Page-Hinkley drift detector. Pure Java, no Kafka.
 */
package io.streamalign.trainer.quality;
