/**
 * The exactly-once prediction loop over {@code av.infer} and the support consumer over {@code
 * av.support}, plus the Avro/learner conversions they share. Depends on schemas, model,
 * kafka-clients and the serving.model package.
 */
package io.streamalign.serving.predict;
