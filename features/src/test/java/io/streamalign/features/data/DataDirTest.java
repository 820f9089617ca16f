package io.streamalign.features.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {

  @Test
  void walksUpToSharedData(@TempDir Path root) throws IOException {
    Path data = root.resolve("shared/data");
    Path deep = Files.createDirectories(root.resolve("main/features/target"));
    // nothing under root yet (a shared/data above the temp dir, e.g. /tmp/shared/data, may exist:
    // ignore it)
    assertFalse(
        DataDir.findFrom(deep)
            .filter(p -> p.startsWith(root.toAbsolutePath().normalize()))
            .isPresent());
    Files.createDirectories(data.resolve("mnist"));
    assertFalse(DataDir.isDataDir(data), "fsdd/ missing");
    Files.createDirectories(data.resolve("fsdd"));
    assertTrue(DataDir.isDataDir(data));
    assertEquals(Optional.of(data.toAbsolutePath().normalize()), DataDir.findFrom(deep));
    assertEquals(Optional.of(data.toAbsolutePath().normalize()), DataDir.findFrom(root));
  }

  @Test
  void findUsesSystemPropertyWhenValid(@TempDir Path root) throws IOException {
    String old = System.getProperty(DataDir.PROPERTY);
    try {
      Files.createDirectories(root.resolve("mnist"));
      Files.createDirectories(root.resolve("fsdd"));
      System.setProperty(DataDir.PROPERTY, root.toString());
      assertEquals(Optional.of(root.toAbsolutePath().normalize()), DataDir.find());
      System.setProperty(DataDir.PROPERTY, root.resolve("nope").toString());
      assertFalse(DataDir.find().equals(Optional.of(root.resolve("nope"))));
      assertTrue(DataDir.notFoundMessage().contains("nope"));
    } finally {
      if (old == null) {
        System.clearProperty(DataDir.PROPERTY);
      } else {
        System.setProperty(DataDir.PROPERTY, old);
      }
    }
  }
}
