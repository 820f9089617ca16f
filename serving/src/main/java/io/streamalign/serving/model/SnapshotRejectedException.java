package io.streamalign.serving.model;

/** Why a snapshot was not served; the old model keeps serving. */
public final class SnapshotRejectedException extends Exception {

  /** The rejection reasons, also used as the {@code reason} tag of the rejection counter. */
  public enum Reason {
    /** The record did not decode as a {@code ModelSnapshot}. */
    UNDECODABLE,
    /** The sha256 of the parameters differs from the record's sha256. */
    SHA256_MISMATCH,
    /** A snapshot key is configured and the record is not signed. */
    UNSIGNED,
    /** A snapshot key is configured and the record's signature does not match. */
    BAD_SIGNATURE,
    /** The record's format version is not one this build loads. */
    UNSUPPORTED_FORMAT,
    /** The record's config JSON does not parse. */
    BAD_CONFIG,
    /** The config differs in inputs or embedding size from the served model's. */
    INCOMPATIBLE_CONFIG,
    /** The learner could not restore the parameters. */
    RESTORE_FAILED,
    /** The version does not increase on the served version. */
    STALE_VERSION
  }

  private final Reason reason;

  public SnapshotRejectedException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  public SnapshotRejectedException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
