/**
 * The HTTP endpoint ({@code com.sun.net.httpserver}): {@code POST /predict}, {@code GET /model},
 * {@code GET /health}, {@code GET /metrics}. Binds to 127.0.0.1 unless told otherwise.
 */
package io.streamalign.serving.http;
