package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Class-incremental learning on the real digit data (see {@link ClassIncremental}: 2 digits at
 * first, one more every 96 samples, 4 streams holding a digit for segments, video always labeled,
 * audio for the first 5 samples of each digit). Before the supervised step replayed class-balanced
 * samples and trained the fusion head on every labeled sample, prequential fused accuracy fell to
 * chance or below as digits were added, and the newest digit took most predictions early on.
 */
class ClassIncrementalTest {

  @Test
  void accuracyStaysWellAboveChanceAsDigitsAreAdded() {
    Digits.Data d = Digits.load();
    ClassIncremental.Result res =
        ClassIncremental.run(d, LearnerConfig.defaults().with("device", "cpu"), 2, 96, 768, 5, 11);
    String figures = ClassIncremental.format(res);
    DigitsTest.report(
        "class-incremental (2 digits, +1 every 96 samples):" + System.lineSeparator() + figures);
    double sumRatio = 0;
    int phases = 0;
    for (ClassIncremental.Phase p : res.phases()) {
      double chance = 1.0 / p.classes();
      // no collapse onto the newest class
      assertTrue(
          p.newestShare() <= p.newestTruthShare() + 0.25,
          "predictions collapse onto the newest digit at " + p.classes() + " classes:\n" + figures);
      if (p.classes() >= 4) {
        assertTrue(
            p.fusedAccuracy() >= 2 * chance,
            "prequential fused accuracy at "
                + p.classes()
                + " classes below 2x chance:\n"
                + figures);
        sumRatio += p.fusedAccuracy() / chance;
        phases++;
      }
      if (p.classes() >= 3) {
        // the losses stay well below the uniform guess's log(classes) (in the demo they rose above
        // it)
        for (String k : new String[] {"fused_ce"}) {
          Double ce = p.meanLosses().get(k);
          assertTrue(
              ce != null && ce < 0.75 * Math.log(p.classes()),
              k + " at " + p.classes() + " classes not below 0.75 log(classes):\n" + figures);
        }
      }
    }
    assertTrue(
        sumRatio / phases >= 3, "mean accuracy over chance " + sumRatio / phases + ":\n" + figures);
    assertTrue(res.heldOutVideo() >= 0.4, "held-out video accuracy " + res.heldOutVideo());
  }
}
