package io.streamalign.model;

import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.DigitFeatures;
import io.streamalign.features.data.Fsdd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * The real digit data, featurized with the features module: MNIST t10k images as VIDEO frames and
 * FSDD spoken digits as AUDIO, paired by digit (AV-MNIST style). Loaded once per JVM.
 */
final class Digits {

  /** Featurized images and clips, by digit, split into train and test. */
  record Data(
      List<List<float[]>> imagesTrain,
      List<List<float[]>> imagesTest,
      List<List<float[]>> audioTrain,
      List<List<float[]>> audioTest) {}

  private static Data cached;

  private Digits() {}

  /** The data, or a JUnit assumption failure saying why it is absent. */
  static synchronized Data load() {
    if (cached != null) return cached;
    Optional<Path> dir = DataDir.find();
    Assumptions.assumeTrue(
        dir.isPresent(), () -> "real digit data not found: " + DataDir.notFoundMessage());
    // fixed split: t10k images 0-3999 train, 9000-9999 test (a short online run needs no more)
    DigitFeatures f = DigitFeatures.load(dir.get(), 4000, 9000);
    cached = new Data(f.imagesTrain(), f.imagesTest(), f.audioTrain(), f.audioTest());
    return cached;
  }

  /**
   * A stream batch of image+clip pairs of the same digit (random members of the train split), label
   * = digit word, concept group = digit word (weak pairs by digit).
   */
  static List<Sample> pairedBatch(
      Data d, int size, Random r, Set<Modality> labeled, int classes, long seq) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int digit = r.nextInt(classes);
      List<float[]> ims = d.imagesTrain().get(digit);
      List<float[]> aus = d.audioTrain().get(digit);
      Map<Modality, float[]> f = new EnumMap<>(Modality.class);
      f.put(Modality.VIDEO, ims.get(r.nextInt(ims.size())));
      f.put(Modality.AUDIO, aus.get(r.nextInt(aus.size())));
      String word = Fsdd.digitWord(digit);
      out.add(new Sample("p" + seq + "-" + i, "stream", seq, f, word, labeled, word));
    }
    return out;
  }

  /**
   * Accuracy of single-modality prediction on the test split (first {@code perClass} items per
   * digit).
   */
  static double accuracy(
      CrossModalLearner l, List<List<float[]>> test, Modality m, int perClass, int classes) {
    List<Sample> ss = new ArrayList<>();
    List<String> truth = new ArrayList<>();
    for (int digit = 0; digit < classes; digit++) {
      List<float[]> items = test.get(digit);
      for (int i = 0; i < Math.min(perClass, items.size()); i++) {
        ss.add(Sample.unlabeled("t" + digit + "-" + i, Map.of(m, items.get(i))));
        truth.add(Fsdd.digitWord(digit));
      }
    }
    List<Inference> preds = l.predictBatch(ss);
    int ok = 0;
    for (int i = 0; i < ss.size(); i++) if (truth.get(i).equals(preds.get(i).label())) ok++;
    return ok / (double) ss.size();
  }
}
