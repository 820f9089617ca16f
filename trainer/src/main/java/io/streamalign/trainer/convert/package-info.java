/** Conversion of Avro input records ({@code PairedSample}, {@code SupportExample}) into the learner's inputs, with validation. */
package io.streamalign.trainer.convert;
