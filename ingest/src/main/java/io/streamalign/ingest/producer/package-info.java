/**
 * The typed, thread-safe, idempotent producer ({@link io.streamalign.ingest.producer.AvProducer})
 * that cameras, microphones, transcripts and labelers use to publish to {@code av.video}, {@code
 * av.audio}, {@code av.text} and {@code av.labels}. Depends on {@code schemas} and kafka-clients
 * only.
 */
package io.streamalign.ingest.producer;
