/**
 * Test support shared by every module's integration tests: the JUnit 5 extension that starts one
 * real embedded Kafka broker per test JVM and hands out per-class topic registries.
 *
 * <p>Used at test scope only, so JUnit never reaches the runnable jar. Depends on: {@code
 * embedded}, {@code schemas}, JUnit Jupiter's API.
 */
package io.streamalign.testkit;
