package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Host reads are counted where they happen, and only there. */
class HostTransfersTest {

  private static final Pattern READ =
      Pattern.compile(
          "\\.(getFloat|getLong|getDouble|getInt|toFloatArray|toLongArray|toDoubleArray"
              + "|toIntArray|toBooleanArray|getBoolean)\\(\\)");

  @Test
  void everyReadOfTheModelModuleGoesThroughHostTransfers() throws Exception {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/streamalign/model"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        if (f.endsWith("HostTransfers.java")) continue;
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i).trim();
          if (l.startsWith("*") || l.startsWith("//")) continue;
          if (READ.matcher(l).find()) found.add(f.getFileName() + ":" + (i + 1) + ": " + l);
        }
      }
    }
    assertEquals(List.of(), found, "reads that HostTransfers does not count");
  }

  @Test
  void readsAreCountedOnTheCallingThread() throws Exception {
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      long before = HostTransfers.reads();
      assertEquals(3f, HostTransfers.scalar(m.create(3f)));
      assertEquals(2, HostTransfers.floats(m.create(new float[] {1, 2})).length);
      assertEquals(1, HostTransfers.longs(m.create(new long[] {7})).length);
      assertEquals(before + 3, HostTransfers.reads());
      long[] other = {-1};
      Thread t = new Thread(() -> other[0] = HostTransfers.reads());
      t.start();
      t.join();
      assertTrue(other[0] == 0, "another thread counts its own reads");
    }
  }
}
