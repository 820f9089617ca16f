package io.streamalign.eval;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Options shared by every evaluation protocol.
 *
 * @param dataDir the shared data directory (holding {@code mnist/} and {@code fsdd/}); protocols
 *     that need no data (synthetic-linear) ignore it and accept {@code null}
 * @param full {@code true} for the paper-sized run, {@code false} for the reduced CI-sized one
 * @param seeds number of independent seeds (repetitions), at least 1
 * @param outDir where the {@code .md}, {@code .json} and {@code .png} files are written
 */
public record EvalOptions(Path dataDir, boolean full, int seeds, Path outDir) {

  public EvalOptions {
    Objects.requireNonNull(outDir, "outDir");
    if (seeds < 1) {
      throw new IllegalArgumentException("seeds must be >= 1, got " + seeds);
    }
  }

  /** Reduced-size options with one seed. */
  public static EvalOptions reduced(Path dataDir, Path outDir) {
    return new EvalOptions(dataDir, false, 1, outDir);
  }

  /** The data directory, or a clear error naming the protocol that needs it. */
  public Path requireDataDir(String protocol) {
    if (dataDir == null) {
      throw new IllegalArgumentException(
          protocol + " needs --data-dir (the directory holding mnist/ and fsdd/)");
    }
    return dataDir;
  }
}
