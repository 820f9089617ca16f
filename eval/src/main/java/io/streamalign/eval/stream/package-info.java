/**
 * The {@code stream} protocol: the online learner on a class-incremental digit stream with scarce
 * audio labels.
 */
package io.streamalign.eval.stream;
