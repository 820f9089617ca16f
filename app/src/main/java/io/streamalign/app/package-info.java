/**
 * The {@code streamalign} command line (picocli): one class per subcommand.
 *
 * <p>{@link io.streamalign.app.StreamAlignCli} is the entry point of the runnable jar ({@code
 * app/target/streamalign.jar}, run by the {@code ./streamalign} launcher). Commands that talk to
 * Kafka share {@link io.streamalign.app.KafkaOptions} ({@code --bootstrap-servers}, {@code
 * --config}, {@code --topic-prefix}, with {@code STREAMALIGN_*} environment overrides).
 *
 * <p>Depends on every other module: the services ({@code ingest}, {@code trainer}, {@code
 * serving}), {@code schemas}, {@code model} and {@code embedded}. Nothing depends on it.
 */
package io.streamalign.app;
