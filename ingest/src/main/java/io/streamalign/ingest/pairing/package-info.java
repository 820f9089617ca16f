/**
 * Kafka Streams pairing and featurization: {@link io.streamalign.ingest.pairing.PairingTopology} (a
 * pure function from configuration to topology), its service wrapper {@link
 * io.streamalign.ingest.pairing.PairingApp}, and the decode/validate/featurize step that routes bad
 * input to dead-letter topics.
 *
 * <p>Depends on {@code schemas}, {@code features} and kafka-streams only.
 */
package io.streamalign.ingest.pairing;
