/**
 * A real single-node Apache Kafka broker (KRaft, combined broker + controller) started in-process,
 * and the JUnit 5 extension that hands it to integration tests.
 *
 * <p>{@link io.streamalign.embedded.EmbeddedKafkaBroker} wraps Kafka's own
 * {@code KafkaClusterTestKit}; it listens on the loopback interface only and keeps its data in a
 * temporary directory that is deleted on close. The {@code streamalign broker} and
 * {@code streamalign demo} commands run it, and every module's {@code *IT} gets it from
 * {@link io.streamalign.embedded.EmbeddedKafkaExtension}.
 *
 * <p>Depends on: {@code schemas} (topic registry and creation), the Kafka server jars, and
 * optionally JUnit Jupiter's API (only for the extension).
 */
package io.streamalign.embedded;
