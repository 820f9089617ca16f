/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) started in-process,
 * for the {@code streamalign broker} and {@code streamalign demo} commands, the benchmarks, and
 * (through the {@code testkit} module's JUnit extension) every module's integration tests.
 *
 * <p>{@link io.streamalign.embedded.EmbeddedKafkaBroker} starts it as Kafka's quick start does: a
 * {@code server.properties} ({@code BrokerConfig}), the storage formatted by Kafka's own {@code
 * Formatter} ({@code StorageFormat}), then Kafka's {@code KafkaRaftServer}. It listens on the
 * loopback interface only; its data lives in a temporary directory deleted on close, or in a
 * directory the caller gives, which survives restarts.
 *
 * <p>Depends on: {@code schemas} (topic registry and creation) and the Kafka server jars; no test
 * framework and no Kafka test kit.
 */
package io.streamalign.embedded;
