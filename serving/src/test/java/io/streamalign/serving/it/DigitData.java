package io.streamalign.serving.it;

import io.streamalign.features.AudioFeatureConfig;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/**
 * Real AV-MNIST-style digit data for the serving ITs: MNIST t10k images (video) paired with FSDD
 * spoken digits (audio) of the same digit, featurized by the features module's default featurizers.
 * Skips the calling test (JUnit assumption) when the data directory is absent.
 */
public final class DigitData {

  public final Mnist mnist;
  final List<Fsdd.Clip> clips;
  private final AudioFeaturizer audio = new AudioFeaturizer(AudioFeatureConfig.defaults());
  private final VideoFeaturizer video = new VideoFeaturizer(VideoFeatureConfig.defaults());
  private final Map<Integer, List<Integer>> imagesByDigit = new HashMap<>();
  private final Map<Integer, List<Fsdd.Clip>> clipsByDigit = new HashMap<>();

  private DigitData(Path dir) {
    this.mnist = Mnist.load(dir);
    this.clips = Fsdd.load(dir);
    for (int i = 0; i < mnist.size(); i++)
      imagesByDigit.computeIfAbsent(mnist.label(i), k -> new ArrayList<>()).add(i);
    for (Fsdd.Clip c : clips)
      clipsByDigit.computeIfAbsent(c.digit(), k -> new ArrayList<>()).add(c);
  }

  public static DigitData loadOrSkip() {
    Optional<Path> dir = DataDir.find();
    Assumptions.assumeTrue(
        dir.isPresent(), () -> "skipped: real digit data absent: " + DataDir.notFoundMessage());
    return new DigitData(dir.get());
  }

  public static String className(int digit) {
    return Fsdd.digitWord(digit);
  }

  float[] image(int i) {
    return video.featurize(28, 28, 1, "RAW8", mnist.image(i));
  }

  float[] audio(Fsdd.Clip c) {
    return audio.featurize(c.pcm(), c.sampleRate());
  }

  public List<Fsdd.Clip> clips(int digit, boolean test) {
    return clipsByDigit.get(digit).stream().filter(c -> c.isTest() == test).toList();
  }

  /** A labeled STRONG audio-visual pair of a random digit among {@code digits}. */
  Sample pair(Random r, int[] digits, String id) {
    int d = digits[r.nextInt(digits.length)];
    List<Integer> imgs = imagesByDigit.get(d);
    List<Fsdd.Clip> train = clips(d, false);
    Map<Modality, float[]> f = new EnumMap<>(Modality.class);
    f.put(Modality.VIDEO, image(imgs.get(r.nextInt(imgs.size()))));
    f.put(Modality.AUDIO, audio(train.get(r.nextInt(train.size()))));
    return new Sample(
        id,
        id,
        System.currentTimeMillis(),
        f,
        className(d),
        EnumSet.of(Modality.VIDEO, Modality.AUDIO),
        className(d));
  }

  /** A learner trained for {@code steps} micro-batches of 32 real pairs of {@code digits}. */
  public CrossModalLearner trained(LearnerConfig cfg, int[] digits, int steps, long seed) {
    CrossModalLearner l = CrossModalLearner.create(cfg);
    Random r = new Random(seed);
    for (int s = 0; s < steps; s++) {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 32; i++) batch.add(pair(r, digits, "train-" + seed + "-" + s + "-" + i));
      l.learn(batch);
    }
    return l;
  }

  /** Trains {@code l} for {@code steps} more micro-batches of 32 real pairs of {@code digits}. */
  void learn(CrossModalLearner l, int[] digits, int steps, long seed) {
    Random r = new Random(seed);
    for (int s = 0; s < steps; s++) {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 32; i++) batch.add(pair(r, digits, "more-" + seed + "-" + s + "-" + i));
      l.learn(batch);
    }
  }

  /** Image indices of one digit. */
  public List<Integer> images(int digit) {
    return imagesByDigit.get(digit);
  }

  /** The default learner config on CPU with prototypes refreshed often (short test streams). */
  public static LearnerConfig config() {
    return LearnerConfig.defaults().with("device", "cpu").with("prototypeEvery", 32);
  }
}
