package io.streamalign.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Learning on the real digit data (MNIST t10k frames = VIDEO, FSDD spoken digits = AUDIO, paired by
 * digit, featurized by the features module); skipped with a message when the data is absent. Short
 * online runs (20 micro-batches of 32 pairs) with default hyper-parameters; accuracies are on
 * held-out items (MNIST images 9000-9999, FSDD's official test takes). Figures go to stdout and to
 * {@code target/digits-figures.txt}. Chance is 10%.
 */
class DigitsTest {

  static final int STEPS = 20;
  static Digits.Data data;

  @BeforeAll
  static void load() {
    data = Digits.load();
  }

  record Result(double video, double audio, double fusedPrequential, double audioPrequential) {}

  static Result run(LearnerConfig cfg, Set<Modality> labeled) {
    try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
      Random r = new Random(7);
      StepReport rep = null;
      for (int s = 0; s < STEPS; s++)
        rep = l.learn(Digits.pairedBatch(data, 32, r, labeled, 10, s));
      Result res =
          new Result(
              Digits.accuracy(l, data.imagesTest(), Modality.VIDEO, 40, 10),
              Digits.accuracy(l, data.audioTest(), Modality.AUDIO, 30, 10),
              rep.prequentialAccuracy().get("FUSED"),
              rep.prequentialAccuracy().get("AUDIO"));
      report(
          String.format(
              "alignment=%s labeled=%s: held-out video %.3f, audio-only %.3f; prequential %s; rho %.3f",
              cfg.alignmentLoss(),
              labeled,
              res.video,
              res.audio,
              rep.prequentialAccuracy(),
              rep.rho()));
      return res;
    }
  }

  static void report(String line) {
    System.out.println(line);
    try {
      Files.writeString(
          Path.of("target", "digits-figures.txt"),
          line + System.lineSeparator(),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // figures are also on stdout
    }
  }

  static LearnerConfig cfg(String alignment) {
    return LearnerConfig.defaults().with("device", "cpu").with("alignmentLoss", alignment);
  }

  @Test
  void bothModalitiesLabeledBeatChanceClearly() {
    Result r = run(cfg("margin"), EnumSet.of(Modality.VIDEO, Modality.AUDIO));
    assertTrue(r.video() >= 0.5, "held-out video accuracy " + r.video());
    assertTrue(r.audio() >= 0.25, "held-out audio accuracy " + r.audio());
    assertTrue(r.fusedPrequential() >= 0.25, "prequential fused accuracy " + r.fusedPrequential());
  }

  /**
   * Audio is never labeled; it can only be classified by phi (trained on video labels) through the
   * aligned space. With meta-alignment it must clearly beat the same model without alignment.
   */
  @Test
  void alignmentTransfersVideoLabelsToAudio() {
    Result aligned = run(cfg("margin"), EnumSet.of(Modality.VIDEO));
    Result plain = run(cfg("none"), EnumSet.of(Modality.VIDEO));
    assertTrue(aligned.video() >= 0.5, "held-out video accuracy " + aligned.video());
    assertTrue(aligned.audio() >= 0.2, "audio-only accuracy with alignment " + aligned.audio());
    assertTrue(
        aligned.audio() >= plain.audio() + 0.1,
        "alignment " + aligned.audio() + " vs none " + plain.audio());
  }
}
