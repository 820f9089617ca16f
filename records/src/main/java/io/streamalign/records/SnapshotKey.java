package io.streamalign.records;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The secret that signs and verifies snapshots (HMAC-SHA256, see {@link SnapshotCodec}). The
 * trainer and every serving instance of a deployment must be given the same key; README "Snapshot
 * trust".
 *
 * <p>Where it comes from, first found wins: a key file ({@code --snapshot-key-file FILE}, or the
 * path in {@value #FILE_ENV}), then the value of {@value #ENV}. The key is the file's content or
 * the variable's value as UTF-8, surrounding blanks removed; at least {@value #MIN_BYTES} bytes
 * (for example {@code openssl rand -hex 32}).
 */
public final class SnapshotKey {

  /** Environment variable holding the key itself. */
  public static final String ENV = "STREAMALIGN_SNAPSHOT_KEY";

  /** Environment variable naming a file that holds the key. */
  public static final String FILE_ENV = "STREAMALIGN_SNAPSHOT_KEY_FILE";

  /** Shortest key accepted, in bytes. */
  public static final int MIN_BYTES = 16;

  private final byte[] secret;

  private SnapshotKey(byte[] secret) {
    this.secret = secret;
  }

  /** A key from its text; throws when shorter than {@value #MIN_BYTES} bytes. */
  public static SnapshotKey of(String text) {
    byte[] b = text == null ? new byte[0] : text.trim().getBytes(StandardCharsets.UTF_8);
    if (b.length < MIN_BYTES) {
      throw new IllegalArgumentException(
          "the snapshot key must be at least "
              + MIN_BYTES
              + " bytes (it has "
              + b.length
              + "); e.g. `openssl rand -hex 32`");
    }
    return new SnapshotKey(b);
  }

  /** The key in a file (its content, trimmed). */
  public static SnapshotKey fromFile(Path file) {
    try {
      return of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the snapshot key file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The configured key, if any: {@code keyFile} when given, else the file named by {@value
   * #FILE_ENV}, else the value of {@value #ENV}; empty when none is set.
   */
  public static Optional<SnapshotKey> configured(Path keyFile, Map<String, String> env) {
    if (keyFile != null) return Optional.of(fromFile(keyFile));
    String file = env.get(FILE_ENV);
    if (file != null && !file.isBlank()) return Optional.of(fromFile(Path.of(file.trim())));
    String value = env.get(ENV);
    if (value != null && !value.isBlank()) return Optional.of(of(value));
    return Optional.empty();
  }

  byte[] secret() {
    return secret.clone();
  }

  @Override
  public String toString() {
    return "SnapshotKey[" + secret.length + " bytes]";
  }
}
