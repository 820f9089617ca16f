/**
 * The input fuzzer ({@code streamalign chaos fuzz}): good moments interleaved with malformed and
 * mutated records ({@link io.streamalign.chaos.fuzz.Mutation}) sent to the running services, and
 * the verdict: every bad record has a reason (a dead letter naming its source, or a counted drop),
 * every good moment is learned and predicted once, no thread died. Uses the parent package's stack
 * and topic audit; depends on the {@code schemas} module and the Kafka clients only.
 */
package io.streamalign.chaos.fuzz;
