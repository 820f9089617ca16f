package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A snapshot taken now and encoded later (off the learner thread) holds the state of now. */
class SnapshotLaterTest {

  @Test
  void theStateIsTakenAtTheCallAndEncodedWhenAsked() throws Exception {
    LearnerConfig cfg = Synthetic.tiny();
    Random r = new Random(3);
    Map<String, String> prov = Map.of("purpose", "test");
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      l.learn(Synthetic.avBatch(cfg, 16, 4, r));
      Supplier<byte[]> later = l.snapshotLater(prov);
      byte[] now = l.snapshot(prov);
      l.learn(Synthetic.avBatch(cfg, 16, 4, r));
      byte[] after = l.snapshot(prov);
      byte[][] encoded = new byte[1][];
      Thread t = new Thread(() -> encoded[0] = later.get());
      t.start();
      t.join();
      assertArrayEquals(now, encoded[0], "the bytes of the state at snapshotLater's call");
      assertFalse(Arrays.equals(now, after), "learning changed the state");
      try (CrossModalLearner back = CrossModalLearner.restore(encoded[0])) {
        assertArrayEquals(now, back.snapshot(prov), "restores to the same state");
      }
    }
  }
}
