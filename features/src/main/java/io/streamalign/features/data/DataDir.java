package io.streamalign.features.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the shared data directory (the one holding {@code mnist/} and {@code fsdd/}).
 *
 * <p>Search order: system property {@value #PROPERTY}, environment variable {@value #ENV}, then
 * {@code shared/data} in the working directory and each of its ancestors (which covers {@code
 * ../shared/data} relative to the repository root). A candidate counts only if it is a directory
 * containing both {@code mnist/} and {@code fsdd/}; an unusable property or variable falls through
 * to the next source. Nothing is downloaded.
 */
public final class DataDir {
  public static final String PROPERTY = "streamalign.data.dir";
  public static final String ENV = "STREAMALIGN_DATA_DIR";

  private DataDir() {}

  /** The data directory, or empty when none of the sources names a usable one. */
  public static Optional<Path> find() {
    Optional<Path> p = candidate(System.getProperty(PROPERTY));
    if (p.isPresent()) {
      return p;
    }
    p = candidate(System.getenv(ENV));
    if (p.isPresent()) {
      return p;
    }
    return findFrom(Path.of("").toAbsolutePath());
  }

  /** Looks for {@code shared/data} in {@code start} and its ancestors. */
  public static Optional<Path> findFrom(Path start) {
    for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (isDataDir(d.resolve("shared").resolve("data"))) {
        return Optional.of(d.resolve("shared").resolve("data"));
      }
    }
    return Optional.empty();
  }

  /** True if {@code dir} is a directory containing {@code mnist/} and {@code fsdd/}. */
  public static boolean isDataDir(Path dir) {
    return Files.isDirectory(dir)
        && Files.isDirectory(dir.resolve("mnist"))
        && Files.isDirectory(dir.resolve("fsdd"));
  }

  /** Why {@link #find()} is empty, for JUnit assumption messages. */
  public static String notFoundMessage() {
    return "StreamAlign data directory not found (system property "
        + PROPERTY
        + "="
        + System.getProperty(PROPERTY)
        + ", env "
        + ENV
        + "="
        + System.getenv(ENV)
        + ", no shared/data with mnist/ and fsdd/ above "
        + Path.of("").toAbsolutePath()
        + "); see shared/data/README.md";
  }

  private static Optional<Path> candidate(String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    Path p = Path.of(value.trim()).toAbsolutePath().normalize();
    return isDataDir(p) ? Optional.of(p) : Optional.empty();
  }
}
