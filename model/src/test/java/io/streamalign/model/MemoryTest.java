package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Native memory stays flat over many steps: no NDArray outlives its step, RSS growth is bounded.
 */
class MemoryTest {

  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }

  @Test
  void openArraysAndRssStayFlat() throws Exception {
    LearnerConfig cfg = Synthetic.tiny().with("prototypeEvery", 16);
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(21);
      // warm-up: classes appear, optimizer state is allocated once
      for (int i = 0; i < 5; i++) l.learn(Synthetic.avBatch(cfg, 16, 4, r));
      int arrays = l.openArrays();
      long rss = rssKb();
      for (int i = 0; i < 25; i++) {
        l.learn(Synthetic.avBatch(cfg, 16, 4, r));
        l.predictBatch(Synthetic.avBatch(cfg, 8, 4, r));
        if (i % 10 == 0) l.snapshot(Map.of());
      }
      assertEquals(arrays, l.openArrays(), "NDArrays held by the learner after 25 more steps");
      long grown = rssKb() - rss;
      System.out.printf("open arrays %d, RSS growth over 25 steps: %d kB%n", arrays, grown);
      assertTrue(rss < 0 || grown < 200_000, "RSS grew by " + grown + " kB");
    }
  }
}
