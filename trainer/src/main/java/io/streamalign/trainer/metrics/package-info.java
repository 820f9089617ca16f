/**
 * The trainer's one metrics object ({@code TrainerMeters}: Micrometer meters in a Prometheus
 * registry, the status getters and the {@code TrainerMetrics} records) and the small HTTP server
 * for {@code /metrics} and {@code /health}.
 */
package io.streamalign.trainer.metrics;
