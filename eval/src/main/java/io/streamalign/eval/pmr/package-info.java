/**
 * {@code pmr-cgmnist}: PMR Table 1 on Colored-and-gray MNIST built from the MNIST t10k images (DJL,
 * PyTorch engine). Holds the data builder ({@link io.streamalign.eval.pmr.CgMnist}), the paper's
 * 4-conv encoders and fusion heads ({@link io.streamalign.eval.pmr.CgNet}) and the protocol; the
 * PMR equations are the learner's ({@link io.streamalign.model.PmrObjective}, {@link
 * io.streamalign.model.PrototypeBank}).
 */
package io.streamalign.eval.pmr;
