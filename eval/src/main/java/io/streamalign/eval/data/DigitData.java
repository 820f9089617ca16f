package io.streamalign.eval.data;

import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /** Loads and featurizes everything under {@code dataDir} (a few seconds). */
  public static DigitData load(Path dataDir) {
    Mnist mnist = Mnist.load(dataDir);
    VideoFeaturizer vf = new VideoFeaturizer();
    AudioFeaturizer af = new AudioFeaturizer();
    List<List<float[]>> imTr = perDigit();
    List<List<float[]>> imTe = perDigit();
    List<List<float[]>> auTr = perDigit();
    List<List<float[]>> auTe = perDigit();
    for (int i = 0; i < mnist.size(); i++) {
      float[] f = vf.featurize(28, 28, 1, "RAW8", mnist.image(i));
      (i < IMAGE_TEST_FROM ? imTr : imTe).get(mnist.label(i)).add(f);
    }
    for (Fsdd.Clip c : Fsdd.load(dataDir)) {
      (c.isTest() ? auTe : auTr).get(c.digit()).add(af.featurize(c.pcm(), c.sampleRate()));
    }
    return new DigitData(imTr, imTe, auTr, auTe);
  }

  private static List<List<float[]>> perDigit() {
    List<List<float[]>> l = new ArrayList<>();
    for (int d = 0; d < 10; d++) {
      l.add(new ArrayList<>());
    }
    return l;
  }
}
