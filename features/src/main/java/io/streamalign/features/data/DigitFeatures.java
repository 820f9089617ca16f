package io.streamalign.features.data;

import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeaturizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The recorded digits featurized as the learner sees them (the featurizers' defaults), by digit and
 * split so that no item is in both halves: the one loader of MNIST + FSDD digit pairs for the
 * evaluation protocols and the model's tests.
 *
 * <p>Images: MNIST t10k images {@code [0, imageTrainEnd)} are training images and {@code
 * [imageTestFrom, 10000)} held-out ones (images in between are left out, for runs that need fewer).
 * Audio: FSDD takes 5-49 of every speaker and digit are training clips and takes 0-4 the held-out
 * ones ({@link Fsdd.Clip#isTest()}, the dataset's own split).
 *
 * @param imagesTrain per digit 0-9, featurized training images
 * @param imagesTest per digit, featurized held-out images
 * @param audioTrain per digit, featurized FSDD training takes
 * @param audioTest per digit, featurized FSDD held-out takes
 */
public record DigitFeatures(
    List<List<float[]>> imagesTrain,
    List<List<float[]>> imagesTest,
    List<List<float[]>> audioTrain,
    List<List<float[]>> audioTest) {

  /**
   * Loads and featurizes the data under {@code dataDir} (a few seconds).
   *
   * @throws IllegalArgumentException if {@code imageTrainEnd > imageTestFrom}
   */
  public static DigitFeatures load(Path dataDir, int imageTrainEnd, int imageTestFrom) {
    if (imageTrainEnd > imageTestFrom) {
      throw new IllegalArgumentException(
          "training images [0, "
              + imageTrainEnd
              + ") overlap held-out images from "
              + imageTestFrom);
    }
    Mnist mnist = Mnist.load(dataDir);
    VideoFeaturizer vf = new VideoFeaturizer();
    List<List<float[]>> imTrain = perDigit();
    List<List<float[]>> imTest = perDigit();
    for (int i = 0; i < mnist.size(); i++) {
      if (i >= imageTrainEnd && i < imageTestFrom) continue;
      float[] f = vf.featurize(28, 28, 1, "RAW8", mnist.image(i));
      (i < imageTrainEnd ? imTrain : imTest).get(mnist.label(i)).add(f);
    }
    AudioFeaturizer af = new AudioFeaturizer();
    List<List<float[]>> auTrain = perDigit();
    List<List<float[]>> auTest = perDigit();
    for (Fsdd.Clip c : Fsdd.load(dataDir)) {
      (c.isTest() ? auTest : auTrain).get(c.digit()).add(af.featurize(c.pcm(), c.sampleRate()));
    }
    return new DigitFeatures(imTrain, imTest, auTrain, auTest);
  }

  private static List<List<float[]>> perDigit() {
    List<List<float[]>> l = new ArrayList<>(10);
    for (int d = 0; d < 10; d++) l.add(new ArrayList<>());
    return l;
  }
}
