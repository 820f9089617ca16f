package io.streamalign.eval.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.features.data.DataDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reduced {@code stream} run (576 samples, all ten digits from sample 384, two variants) on the
 * real data: the report files are written and the online learner really learns the
 * class-incremental stream (a learner that does not learn, or forgets every earlier digit, stays
 * near the 10% chance of the held-out check).
 */
class StreamProtocolTest {

  @Test
  @SuppressWarnings("unchecked")
  void reducedStreamLearnsEveryModalityWellAboveChance(@TempDir Path out) throws Exception {
    var dir = DataDir.find();
    Assumptions.assumeTrue(dir.isPresent(), DataDir.notFoundMessage());
    var settings = new StreamProtocol.Settings(2, 48, 576, 32, 5, 96, 20, 11L);
    var variants =
        StreamProtocol.variants().stream()
            .filter(
                v ->
                    v.label().equals("PMR + meta-alignment (defaults)")
                        || v.label().equals("no meta-learning"))
            .toList();
    assertEquals(2, variants.size(), "variants renamed? " + StreamProtocol.variants());
    EvalResult r =
        new StreamProtocol(settings, variants).run(new EvalOptions(dir.get(), false, 1, out));
    assertEquals(5, r.files().size(), "md, json and three plots: " + r.files());
    for (String m : new String[] {"video", "audio", "fused"}) {
      assertTrue(Files.size(out.resolve("stream-" + m + ".png")) > 5_000);
    }
    assertTrue(r.table().contains("| PMR + meta-alignment (defaults) |"), r.table());
    for (Object v : (List<Object>) r.data().get("variants")) {
      Map<String, Object> run =
          (Map<String, Object>) ((List<Object>) ((Map<String, Object>) v).get("runs")).get(0);
      Map<String, Double> held = (Map<String, Double>) run.get("heldOut");
      assertTrue(
          held.get("video") >= 0.4,
          "held-out video accuracy over 10 digits " + held + "\n" + r.table());
      assertTrue(
          held.get("fused") >= 0.4,
          "held-out fused accuracy over 10 digits " + held + "\n" + r.table());
      double[] audio = (double[]) run.get("window_audio");
      assertTrue(
          audio[audio.length - 1] >= 0.2,
          "audio (5 labels per digit) last-window prequential accuracy below 2x chance\n"
              + r.table());
    }
  }
}
