/** The trainer's Micrometer meters (Prometheus registry) and the small JDK HTTP server for {@code /metrics} and {@code /health}. */
package io.streamalign.trainer.metrics;
