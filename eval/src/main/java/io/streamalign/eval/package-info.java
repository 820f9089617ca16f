/**
 * Evaluation protocols that reproduce the papers' experiments on real data (docs/architecture.md,
 * "Evaluation protocols").
 *
 * <p>{@link io.streamalign.eval.EvalRunner} looks a {@link io.streamalign.eval.Protocol} up by name
 * and runs it with {@link io.streamalign.eval.EvalOptions}; every protocol writes {@code
 * <out>/<protocol>.md}, {@code <out>/<protocol>.json} and PNG plots. This module depends on {@code
 * features} (data readers, featurizers) and {@code model}; it knows no Kafka.
 */
package io.streamalign.eval;
