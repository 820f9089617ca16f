/**
 * StreamAlign ingest: the typed producer API ({@code producer}), the Kafka Streams pairing and
 * featurization topology with dead letters ({@code pairing}), and the stream sources used by the
 * CLI ({@code source}).
 *
 * <p>Depends on {@code schemas} (records, serdes, topics, settings) and {@code features}
 * (featurizers, dataset readers) and on Kafka; never on {@code trainer}, {@code serving} or {@code
 * model}.
 */
package io.streamalign.ingest;
