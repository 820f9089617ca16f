package io.streamalign.model;

import io.streamalign.features.data.Fsdd;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Manual experiment (not a test): learn online on digits 0-6 (video labels only, audio paired by
 * digit), then enroll digits 7-9 from k examples of one modality and classify held-out audio of
 * 7-9.
 */
public final class FewShotExperiment {
  public static void main(String[] args) {
    Digits.Data d = Digits.load();
    int k = Integer.parseInt(System.getProperty("k", "5"));
    for (String align : new String[] {"margin", "none"}) {
      for (Modality enrollBy : new Modality[] {Modality.AUDIO, Modality.VIDEO}) {
        LearnerConfig cfg =
            LearnerConfig.defaults().with("device", "cpu").with("alignmentLoss", align);
        try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
          Random r = new Random(7);
          for (int s = 0; s < 30; s++)
            l.learn(Digits.pairedBatch(d, 32, r, EnumSet.of(Modality.VIDEO), 7, s));
          for (int digit = 7; digit < 10; digit++) {
            List<float[]> shots = new ArrayList<>();
            List<float[]> pool =
                enrollBy == Modality.AUDIO ? d.audioTrain().get(digit) : d.imagesTrain().get(digit);
            for (int i = 0; i < k; i++) shots.add(pool.get(i));
            l.enroll(Fsdd.digitWord(digit), enrollBy, shots);
          }
          int ok = 0, n = 0;
          for (int digit = 7; digit < 10; digit++) {
            for (float[] clip : d.audioTest().get(digit)) {
              Inference inf = l.predict(Sample.unlabeled("q", Map.of(Modality.AUDIO, clip)));
              if (Fsdd.digitWord(digit).equals(inf.label())) ok++;
              n++;
            }
          }
          System.out.printf(
              "alignment=%s enroll %d-shot by %s: held-out audio of new digits 7-9 (10-way) %.3f%n",
              align, k, enrollBy, ok / (double) n);
        }
      }
    }
  }
}
