package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The glibc malloc settings (README "Native memory") are the same in the {@code ./streamalign}
 * launcher, the Docker image and the README, and set both thresholds: {@code trim_threshold} alone
 * pins the mmap threshold at 128 KiB, which made every served event several times slower.
 */
class NativeMemorySettingsTest {

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("streamalign"))) p = p.getParent();
    if (p == null)
      throw new AssertionError("./streamalign not found above " + Path.of("").toAbsolutePath());
    return p;
  }

  private static String find(String text, String regex, String where) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), where + " sets it: " + regex);
    return m.group(1);
  }

  @Test
  void theLauncherTheImageAndTheReadmeSetTheSameMallocSettings() throws Exception {
    Path root = root();
    String launcher = Files.readString(root.resolve("streamalign"));
    String image = Files.readString(root.resolve("Dockerfile"));
    String readme = Files.readString(root.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## Native memory"));
    section = section.substring(0, section.indexOf("\n## ", 3));

    String tunables =
        find(launcher, "export GLIBC_TUNABLES=\"\\$\\{GLIBC_TUNABLES:-([^}\"]+)}\"", "launcher");
    assertEquals(tunables, find(image, "GLIBC_TUNABLES=(\\S+)", "Dockerfile"));
    assertEquals(tunables, find(section, "GLIBC_TUNABLES=(\\S+)", "README"));
    assertTrue(
        tunables.contains("glibc.malloc.mmap_threshold=")
            && tunables.contains("glibc.malloc.trim_threshold="),
        "both thresholds or neither: " + tunables);

    String arenas =
        find(launcher, "export MALLOC_ARENA_MAX=\"\\$\\{MALLOC_ARENA_MAX:-(\\d+)}\"", "launcher");
    assertEquals(arenas, find(image, "MALLOC_ARENA_MAX=(\\d+)", "Dockerfile"));
    assertEquals(arenas, find(section, "MALLOC_ARENA_MAX=(\\d+)", "README"));
  }
}
