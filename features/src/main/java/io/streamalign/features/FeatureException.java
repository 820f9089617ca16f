package io.streamalign.features;

/**
 * Unchecked exception for input that cannot be featurized or parsed: wrong length or shape, an
 * undecodable image or WAV, empty audio, an unsupported sample rate or channel count, or a
 * non-finite result.
 *
 * <p>Callers that must not crash on bad input (the pairing topology, serving) catch this type and
 * route the record to a dead-letter topic with {@link #getMessage()} as the reason.
 */
public class FeatureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FeatureException(String message) {
    super(message);
  }

  public FeatureException(String message, Throwable cause) {
    super(message, cause);
  }
}
