/**
 * The real digit data (MNIST t10k + FSDD) featurized for the learner, with the protocols' train /
 * held-out split.
 */
package io.streamalign.eval.data;
