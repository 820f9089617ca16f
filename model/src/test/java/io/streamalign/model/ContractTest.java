package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The learner contract: pure predict, seeded determinism, snapshots, missing modalities, guards.
 */
class ContractTest {

  static final LearnerConfig CFG = Synthetic.tiny();
  static final Set<Modality> AV = EnumSet.of(Modality.VIDEO, Modality.AUDIO);

  static CrossModalLearner trained(LearnerConfig cfg, int steps, long seed) {
    CrossModalLearner l = CrossModalLearner.create(cfg);
    Random r = new Random(seed);
    for (int i = 0; i < steps; i++) l.learn(Synthetic.avBatch(cfg, 16, 4, r));
    return l;
  }

  static List<Sample> probes(LearnerConfig cfg) {
    Random r = new Random(99);
    List<Sample> out = new ArrayList<>();
    List<Set<Modality>> subsets =
        List.of(
            AV,
            EnumSet.of(Modality.VIDEO),
            EnumSet.of(Modality.AUDIO),
            EnumSet.of(Modality.TEXT),
            EnumSet.allOf(Modality.class),
            EnumSet.of(Modality.AUDIO, Modality.TEXT));
    for (Set<Modality> mods : subsets) out.addAll(Synthetic.batch(cfg, 3, 4, r, mods, Set.of()));
    return out;
  }

  static void assertSamePredictions(List<Inference> a, List<Inference> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).label(), b.get(i).label());
      assertEquals(a.get(i).score(), b.get(i).score(), 0.0, "bit-identical score");
      assertEquals(a.get(i).topK(), b.get(i).topK());
      assertEquals(a.get(i).modalities(), b.get(i).modalities());
    }
  }

  @Test
  void predictIsPure() {
    try (CrossModalLearner l = trained(CFG, 3, 1)) {
      byte[] before = l.snapshot(Map.of());
      List<Inference> p1 = l.predictBatch(probes(CFG));
      for (Sample s : probes(CFG)) l.predict(s);
      List<Inference> p2 = l.predictBatch(probes(CFG));
      assertSamePredictions(p1, p2);
      assertArrayEquals(before, l.snapshot(Map.of()), "predict changed the learner state");
    }
  }

  @Test
  void seededCpuRunsAreIdentical() {
    try (CrossModalLearner a = trained(CFG, 3, 2);
        CrossModalLearner b = trained(CFG, 3, 2)) {
      assertArrayEquals(a.snapshot(Map.of()), b.snapshot(Map.of()));
      assertSamePredictions(a.predictBatch(probes(CFG)), b.predictBatch(probes(CFG)));
    }
    try (CrossModalLearner a = trained(CFG, 1, 2);
        CrossModalLearner c = trained(CFG.with("seed", 43), 1, 2)) {
      assertFalse(Arrays.equals(a.snapshot(Map.of()), c.snapshot(Map.of())), "the seed matters");
    }
  }

  @Test
  void snapshotRoundTripPredictsBitIdentically() {
    try (CrossModalLearner l = trained(CFG, 3, 3)) {
      Map<String, String> prov = Map.of("offsets", "av.paired-0:120,av.paired-1:98");
      byte[] snap = l.snapshot(prov);
      assertEquals(CFG, CrossModalLearner.configOf(snap));
      Map<String, String> p = CrossModalLearner.provenanceOf(snap);
      assertEquals("av.paired-0:120,av.paired-1:98", p.get("offsets"));
      assertEquals(CrossModalLearner.class.getName(), p.get("learnerClass"));
      assertEquals("42", p.get("seed"));
      assertTrue(p.containsKey("buildVersion"));
      try (CrossModalLearner r = CrossModalLearner.restore(snap)) {
        assertSamePredictions(l.predictBatch(probes(CFG)), r.predictBatch(probes(CFG)));
        assertEquals(l.classes(), r.classes());
        assertEquals(l.samplesSeen(), r.samplesSeen());
        assertEquals(l.prequentialAccuracy(), r.prequentialAccuracy());
        assertArrayEquals(snap, r.snapshot(prov));
      }
    }
  }

  @Test
  void badSnapshotsAreRejected() {
    byte[] snap;
    try (CrossModalLearner l = trained(CFG, 1, 4)) {
      snap = l.snapshot(Map.of());
    }
    byte[] flipped = snap.clone();
    flipped[flipped.length / 2] ^= 1;
    assertThrows(SnapshotException.class, () -> CrossModalLearner.restore(flipped));
    assertThrows(SnapshotException.class, () -> CrossModalLearner.configOf(flipped));
    assertThrows(
        SnapshotException.class,
        () -> CrossModalLearner.restore(Arrays.copyOf(snap, snap.length - 1)));
    assertThrows(SnapshotException.class, () -> CrossModalLearner.restore(new byte[10]));
    byte[] wrongVersion = snap.clone();
    wrongVersion[7] = 9;
    byte[] resigned = resign(wrongVersion);
    SnapshotException e =
        assertThrows(SnapshotException.class, () -> CrossModalLearner.restore(resigned));
    assertTrue(e.getMessage().contains("version"), e.getMessage());
  }

  static byte[] resign(byte[] b) {
    byte[] sha = SnapshotCodec.sha256(b, b.length - 32);
    byte[] out = b.clone();
    System.arraycopy(sha, 0, out, b.length - 32, 32);
    return out;
  }

  @Test
  void missingModalitiesAreTolerated() {
    try (CrossModalLearner l = CrossModalLearner.create(CFG)) {
      Random r = new Random(6);
      List<Sample> mixed = new ArrayList<>();
      mixed.addAll(
          Synthetic.batch(CFG, 4, 3, r, EnumSet.of(Modality.VIDEO), EnumSet.of(Modality.VIDEO)));
      mixed.addAll(
          Synthetic.batch(CFG, 4, 3, r, EnumSet.of(Modality.AUDIO), EnumSet.of(Modality.AUDIO)));
      mixed.addAll(Synthetic.batch(CFG, 4, 3, r, EnumSet.of(Modality.TEXT), Set.of()));
      mixed.addAll(
          Synthetic.batch(
              CFG, 4, 3, r, EnumSet.allOf(Modality.class), EnumSet.allOf(Modality.class)));
      mixed.addAll(Synthetic.batch(CFG, 4, 3, r, AV, EnumSet.of(Modality.VIDEO)));
      StepReport rep = l.learn(mixed);
      assertEquals(20, rep.samples());
      rep = l.learn(mixed);
      assertTrue(rep.prequentialAccuracy().containsKey("TEXT"));
      assertTrue(rep.prequentialAccuracy().containsKey("FUSED"));
      for (Inference inf : l.predictBatch(probes(CFG))) {
        assertTrue(l.classes().contains(inf.label()));
        assertTrue(inf.score() > 0 && inf.score() <= 1);
        assertFalse(inf.topK().isEmpty());
      }
      Inference audioOnly =
          l.predict(
              Sample.unlabeled(
                  "a", Map.of(Modality.AUDIO, Synthetic.features(CFG, Modality.AUDIO, 1, r))));
      assertEquals(Set.of(Modality.AUDIO), audioOnly.modalities());
    }
  }

  @Test
  void badSamplesAreRejectedNotLearned() {
    try (CrossModalLearner l = CrossModalLearner.create(CFG)) {
      Random r = new Random(7);
      List<Sample> batch = new ArrayList<>(Synthetic.avBatch(CFG, 4, 2, r));
      float[] nan = Synthetic.features(CFG, Modality.VIDEO, 0, r);
      nan[3] = Float.NaN;
      batch.add(
          new Sample(
              "bad1", "s", 0, Map.of(Modality.VIDEO, nan), "c0", Set.of(Modality.VIDEO), null));
      batch.add(
          new Sample(
              "bad2",
              "s",
              0,
              Map.of(Modality.AUDIO, new float[7]),
              "c0",
              Set.of(Modality.AUDIO),
              null));
      StepReport rep = l.learn(batch);
      assertEquals(4, rep.samples());
      assertEquals(2.0, rep.losses().get("rejected"));
      // prequential outcomes per batch position: no class known before this step = wrong; rejected
      // = null
      assertEquals(
          java.util.Arrays.asList(false, false, false, false, null, null),
          rep.prequentialCorrect());
      assertEquals(2, l.rejectedSamples());
      assertTrue(CrossModalLearner.validate(batch.get(5), CFG).get().contains("expected"));
      assertThrows(IllegalArgumentException.class, () -> l.predict(batch.get(5)));
    }
  }

  @Test
  void prequentialOutcomesAreTheFusedPredictionsBeforeLearning() {
    try (CrossModalLearner l = trained(CFG, 3, 8)) {
      List<Sample> batch = new ArrayList<>(Synthetic.avBatch(CFG, 12, 3, new Random(21)));
      batch.add(Sample.unlabeled("u", batch.get(0).features()));
      List<Inference> before = l.predictBatch(batch);
      StepReport rep = l.learn(batch);
      assertEquals(batch.size(), rep.prequentialCorrect().size());
      for (int i = 0; i < 12; i++) {
        assertEquals(
            batch.get(i).label().equals(before.get(i).label()),
            rep.prequentialCorrect().get(i),
            "sample " + i);
      }
      assertNull(rep.prequentialCorrect().get(12), "an unlabeled sample has no outcome");
    }
  }

  @Test
  void injectedNaNSkipsTheUpdateAndKeepsParameters() {
    try (CrossModalLearner l = trained(CFG, 2, 8)) {
      Map<String, float[]> before = new java.util.LinkedHashMap<>();
      l.params.forEach((k, v) -> before.put(k, v.toFloatArray()));
      long skipped = l.skippedNonFinite();
      // meta-alignment, meta-classification of each labelled modality (video, audio) and the
      // supervised step
      l.injectNonFinite = 4;
      StepReport rep = l.learn(Synthetic.avBatch(CFG, 16, 4, new Random(9)));
      assertEquals(skipped + 4, rep.skippedNonFinite());
      l.params.forEach((k, v) -> assertArrayEquals(before.get(k), v.toFloatArray(), 0f, k));
      // and it recovers: the next step updates again
      StepReport next = l.learn(Synthetic.avBatch(CFG, 16, 4, new Random(10)));
      assertEquals(skipped + 4, next.skippedNonFinite());
      assertTrue(Float.isFinite(next.losses().get("total").floatValue()));
    }
  }

  @Test
  void classifierGrowsWithNewClasses() {
    LearnerConfig small = CFG.with("classCapacity", 2);
    try (CrossModalLearner l = CrossModalLearner.create(small)) {
      Random r = new Random(11);
      l.learn(Synthetic.avBatch(small, 16, 2, r));
      Inference before = l.predict(probes(small).get(0));
      l.learn(Synthetic.avBatch(small, 24, 5, r));
      assertEquals(5, l.classes().size());
      assertEquals(5, l.predict(probes(small).get(0)).topK().size());
      try (CrossModalLearner back = CrossModalLearner.restore(l.snapshot(Map.of()))) {
        assertSamePredictions(l.predictBatch(probes(small)), back.predictBatch(probes(small)));
      }
      assertNotEquals(null, before.label());
    }
  }

  @Test
  void everyFusionHeadLearnsAndPredicts() {
    for (String f : List.of("sum", "film", "gated")) {
      LearnerConfig c =
          CFG.with("fusion", f).with("alignmentLoss", "infonce").with("pmrRule", "switch");
      try (CrossModalLearner l = trained(c, 2, 12)) {
        Inference inf = l.predict(probes(c).get(0));
        assertEquals(AV, inf.modalities());
        assertTrue(Double.isFinite(inf.score()), f);
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> CrossModalLearner.create(CFG.with("fusion", "bilinear")));
  }

  @Test
  void enrollAddsAClassAtOnce() {
    try (CrossModalLearner l = trained(CFG, 3, 13)) {
      Random r = new Random(14);
      List<float[]> shots = new ArrayList<>();
      for (int i = 0; i < 5; i++) shots.add(Synthetic.features(CFG, Modality.AUDIO, 7, r));
      l.enroll("novel", Modality.AUDIO, shots);
      assertTrue(l.classes().contains("novel"));
      int hits = 0;
      for (int i = 0; i < 6; i++) {
        Map<Modality, float[]> f = new EnumMap<>(Modality.class);
        f.put(Modality.AUDIO, Synthetic.features(CFG, Modality.AUDIO, 7, r));
        if ("novel".equals(l.predict(Sample.unlabeled("q" + i, f)).label())) hits++;
      }
      assertTrue(hits >= 4, "fresh examples of the enrolled class predicted as it: " + hits + "/6");
    }
  }

  @Test
  void adaptFineTunesACopyFromMetaParameters() {
    try (CrossModalLearner l = trained(CFG, 2, 15)) {
      byte[] before = l.snapshot(Map.of());
      Random r = new Random(16);
      List<Sample> support =
          Synthetic.batch(CFG, 10, 2, r, EnumSet.of(Modality.AUDIO), EnumSet.of(Modality.AUDIO));
      List<Sample> relabeled = new ArrayList<>();
      for (Sample s : support) {
        relabeled.add(
            new Sample(
                s.id(), s.streamId(), 0, s.features(), "new-" + s.label(), s.labeled(), null));
      }
      try (CrossModalLearner adapted = l.adapt(relabeled, 10)) {
        assertArrayEquals(before, l.snapshot(Map.of()), "adapt must not change the meta learner");
        assertTrue(adapted.classes().contains("new-c0"));
        assertFalse(l.classes().contains("new-c0"));
        int ok = 0;
        for (Inference inf : adapted.predictBatch(relabeled))
          if (inf.label().startsWith("new-")) ok++;
        assertTrue(ok >= 8, "support samples fit after adaptation: " + ok + "/10");
      }
    }
  }

  @Test
  void deviceSelection() {
    assertEquals("cpu", CrossModalLearner.resolveDevice("cpu").getDeviceType());
    if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> CrossModalLearner.resolveDevice("gpu"));
      assertTrue(e.getMessage().contains("GPU"));
      assertEquals("cpu", CrossModalLearner.resolveDevice("auto").getDeviceType());
    }
    assertThrows(IllegalArgumentException.class, () -> CrossModalLearner.resolveDevice("tpu"));
  }
}
