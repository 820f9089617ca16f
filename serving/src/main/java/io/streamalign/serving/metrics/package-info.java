/** Serving metrics on a Micrometer Prometheus registry (scraped by {@code GET /metrics}). */
package io.streamalign.serving.metrics;
