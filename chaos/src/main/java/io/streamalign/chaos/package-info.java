/**
 * The chaos suite: starts the real StreamAlign services as separate OS processes from the runnable
 * jar ({@code streamalign broker|pair|train|serve}), injects faults by signal (kill -9 of the
 * trainer and of serving, SIGSTOP/SIGCONT of the broker, a broker restart on the same data), and
 * after each fault reads the verdict back from the topics themselves with read_committed consumers
 * ({@link io.streamalign.chaos.TopicAudit}). README.md "Reliability" and docs/reliability.md
 * describe what is checked and hold a full run.
 *
 * <p>Depends on the {@code schemas} module only (records, serde, topic registry); it never links
 * the services it tests.
 */
package io.streamalign.chaos;
