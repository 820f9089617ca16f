package io.streamalign.trainer.convert;

/**
 * A record the trainer cannot learn from (a missing or wrongly shaped tensor, a non-finite value,
 * no modality at all). The trainer sends it to the input topic's dead-letter topic with this
 * message and goes on.
 */
public final class InvalidSampleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidSampleException(String message) {
        super(message);
    }

    public InvalidSampleException(String message, Throwable cause) {
        super(message, cause);
    }
}
