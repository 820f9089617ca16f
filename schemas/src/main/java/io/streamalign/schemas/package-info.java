/**
 * StreamAlign's wire contract: the Avro single-object serde ({@link
 * io.streamalign.schemas.AvroSerde}), the typed topic registry ({@link
 * io.streamalign.schemas.Topics}, {@link io.streamalign.schemas.Topic}, {@link
 * io.streamalign.schemas.TopicAdmin}), client settings ({@link
 * io.streamalign.schemas.KafkaSettings}) and small helpers for feature tensors and dead letters.
 *
 * <p>The records themselves are generated from {@code src/main/avro/*.avsc} into {@code
 * io.streamalign.schemas.avro}; {@link io.streamalign.schemas.AvscFiles} writes their
 * self-contained {@code .avsc} files ({@code schemas/avsc/}) for clients in other languages.
 * Earlier versions of a schema are kept in {@code schemas/avsc/history/} (class path {@code
 * io/streamalign/schemas/history/}) so that records written by an older producer stay readable.
 *
 * <p>Depends only on Avro and kafka-clients; every other StreamAlign module may depend on it.
 */
package io.streamalign.schemas;
