/**
 * The JMH microbenchmarks ({@code streamalign bench learner-micro}): a learner step, log-mel
 * featurization and the Avro round trip, each with the baseline that bounds it.
 *
 * <p>Kept out of the runnable jar together with JMH: this module builds {@code
 * microbench/target/streamalign-microbench.jar}, which the {@code ./streamalign} launcher puts on
 * the class path beside {@code app/target/streamalign.jar}; {@code bench}'s runner finds the
 * scenario through {@link java.util.ServiceLoader}. Depends on: {@code bench}, JMH.
 */
package io.streamalign.microbench;
