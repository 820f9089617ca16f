package io.streamalign.model;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/** Manual experiment runner (not a test): prints learning figures for tuning. */
public final class DigitsExperiment {
  public static void main(String[] args) {
    Digits.Data d = Digits.load();
    int steps = Integer.parseInt(System.getProperty("steps", "60"));
    for (String spec : System.getProperty("runs", "margin:VIDEO,none:VIDEO").split(",")) {
      String[] p = spec.split(":");
      LearnerConfig cfg =
          LearnerConfig.defaults().with("device", "cpu").with("alignmentLoss", p[0]);
      for (String o : System.getProperty("over", "").split(";")) {
        if (o.isBlank()) continue;
        String[] kv = o.split("=");
        cfg = cfg.with(kv[0], kv[1]);
      }
      Set<Modality> labeled = EnumSet.noneOf(Modality.class);
      for (String m : p[1].split("\\+")) labeled.add(Modality.valueOf(m));
      long t0 = System.currentTimeMillis();
      try (CrossModalLearner l = CrossModalLearner.create(cfg)) {
        Random r = new Random(7);
        StepReport rep = null;
        for (int s = 0; s < steps; s++) {
          rep = l.learn(Digits.pairedBatch(d, 32, r, labeled, 10, s));
          if (s % 10 == 9)
            System.out.println(
                spec
                    + " step "
                    + (s + 1)
                    + " "
                    + rep.prequentialAccuracy()
                    + " "
                    + rep.losses()
                    + " rho="
                    + rep.rho());
        }
        System.out.printf(
            "%s: video test %.3f audio test %.3f  (%d ms)%n",
            spec,
            Digits.accuracy(l, d.imagesTest(), Modality.VIDEO, 50, 10),
            Digits.accuracy(l, d.audioTest(), Modality.AUDIO, 30, 10),
            System.currentTimeMillis() - t0);
      }
    }
  }
}
