/**
 * {@code fewshot-image-to-audio}: CroMA's image-to-audio protocol on MNIST images (source,
 * labelled) and FSDD spoken digits (target), using the model module's {@link
 * io.streamalign.model.CrossModalLearner}.
 */
package io.streamalign.eval.fewshot;
