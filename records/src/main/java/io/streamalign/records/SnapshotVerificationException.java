package io.streamalign.records;

/** A {@code ModelSnapshot} record that must not be restored, with the reason. */
public final class SnapshotVerificationException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a snapshot was refused. */
  public enum Reason {
    /** The sha256 of the parameters differs from the record's {@code sha256}. */
    SHA256_MISMATCH,
    /** A key is configured and the record carries no signature. */
    UNSIGNED,
    /**
     * A key is configured and the record's signature is not the HMAC of its content under that key.
     */
    BAD_SIGNATURE,
    /** The parameters' format version is not one this reader accepts. */
    UNSUPPORTED_FORMAT
  }

  private final Reason reason;

  public SnapshotVerificationException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
