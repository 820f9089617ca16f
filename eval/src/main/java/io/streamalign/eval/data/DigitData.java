package io.streamalign.eval.data;

import io.streamalign.features.data.DigitFeatures;
import io.streamalign.features.data.Fsdd;
import java.nio.file.Path;
import java.util.List;

/**
 * The real digit data featurized as the learner sees it (featurizer defaults), split so that no
 * item is in both halves: MNIST t10k images 0-7999 are the training images and 8000-9999 the
 * held-out ones; FSDD takes 5-49 of every speaker and digit are training clips and takes 0-4
 * ({@link Fsdd.Clip#isTest()}) the held-out ones.
 *
 * @param imagesTrain per digit, featurized images 0-7999
 * @param imagesTest per digit, featurized images 8000-9999
 * @param audioTrain per digit, featurized FSDD train takes
 * @param audioTest per digit, featurized FSDD test takes
 */
public record DigitData(
    List<List<float[]>> imagesTrain,
    List<List<float[]>> imagesTest,
    List<List<float[]>> audioTrain,
    List<List<float[]>> audioTest) {

  /** First MNIST index of the held-out images. */
  public static final int IMAGE_TEST_FROM = 8000;

  /**
   * Loads and featurizes everything under {@code dataDir} (a few seconds): {@link DigitFeatures}
   * with the split above.
   */
  public static DigitData load(Path dataDir) {
    DigitFeatures d = DigitFeatures.load(dataDir, IMAGE_TEST_FROM, IMAGE_TEST_FROM);
    return new DigitData(d.imagesTrain(), d.imagesTest(), d.audioTrain(), d.audioTest());
  }
}
