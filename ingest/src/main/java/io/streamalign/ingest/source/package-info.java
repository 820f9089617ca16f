/**
 * Stream sources for the CLI and tests: {@link io.streamalign.ingest.source.AvMnistSource} (real
 * MNIST images paired with real spoken digits by class) and {@link
 * io.streamalign.ingest.source.SyntheticSource} (live camera+microphone scenes: Java2D frames and
 * FreeTTS speech), both paced by {@link io.streamalign.ingest.source.Source} and publishing through
 * an {@link io.streamalign.ingest.producer.AvSink}.
 *
 * <p>Depends on {@code schemas}, {@code features} (dataset readers), FreeTTS and this module's
 * producer.
 */
package io.streamalign.ingest.source;
