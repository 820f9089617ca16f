package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A snapshot written by this format version is kept in test resources; this build must load it and
 * predict what it predicted when written (within float tolerance), so format changes are
 * deliberate. Regenerate with {@code main} only when the format version is bumped on purpose.
 *
 * <p>The expected predictions of the three audio-only probes were re-recorded (same snapshot bytes)
 * when a non-source modality alone became classified by PMR eq. 7 over its own prototypes (the
 * fixture's audio has a prototype for every class); every other probe is as first recorded.
 */
class SnapshotFixtureTest {

  static final String SNAP = "/fixtures/learner-format1.snap";
  static final String EXPECTED = "/fixtures/learner-format1.expected";

  static List<Sample> probes(LearnerConfig cfg) {
    return ContractTest.probes(cfg);
  }

  @Test
  void fixtureFromFormatVersion1LoadsAndPredictsAsRecorded() throws Exception {
    byte[] snap;
    String expected;
    try (InputStream a = SnapshotFixtureTest.class.getResourceAsStream(SNAP);
        InputStream b = SnapshotFixtureTest.class.getResourceAsStream(EXPECTED)) {
      assertNotNull(a, "fixture " + SNAP);
      assertNotNull(b, "fixture " + EXPECTED);
      snap = a.readAllBytes();
      expected = new String(b.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertEquals("fixture", CrossModalLearner.provenanceOf(snap).get("purpose"));
    try (CrossModalLearner l = CrossModalLearner.restore(snap)) {
      String[] lines = expected.strip().split("\n");
      List<Inference> got = l.predictBatch(probes(l.config()));
      assertEquals(lines.length, got.size());
      for (int i = 0; i < lines.length; i++) {
        String[] f = lines[i].split(",");
        assertEquals(f[0], got.get(i).label(), "probe " + i);
        assertEquals(Double.parseDouble(f[1]), got.get(i).score(), 1e-5, "probe " + i);
      }
    }
  }

  /** Writes the fixture (run by hand: see class doc). */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/fixtures");
    LearnerConfig cfg = Synthetic.tiny();
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(31);
      for (int i = 0; i < 3; i++) l.learn(Synthetic.avBatch(cfg, 16, 4, r));
      l.enroll("enrolled", Modality.AUDIO, List.of(Synthetic.features(cfg, Modality.AUDIO, 3, r)));
      byte[] snap = l.snapshot(Map.of("purpose", "fixture"));
      List<String> lines = new ArrayList<>();
      for (Inference inf : l.predictBatch(probes(cfg))) lines.add(inf.label() + "," + inf.score());
      Files.write(dir.resolve("learner-format1.snap"), snap);
      Files.writeString(dir.resolve("learner-format1.expected"), String.join("\n", lines) + "\n");
    }
  }
}
