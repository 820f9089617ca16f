/**
 * The serving REST API ({@code docs/openapi.yaml}) on the shared HTTP server of the {@code http}
 * module: {@code POST /predict} (media or features), {@code GET /model}, {@code GET /health},
 * {@code GET /metrics}, {@code GET /openapi.yaml}. Binds to 127.0.0.1 unless told otherwise.
 */
package io.streamalign.serving.http;
