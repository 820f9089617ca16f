package io.streamalign.trainer;

import io.streamalign.features.AudioFeatureConfig;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Real audio-visual digit pairs for the trainer's tests: MNIST t10k images as the video modality
 * and Free Spoken Digit Dataset clips of the same digit as the audio modality, featurized with the
 * features module's default featurizers (28x28 frames, 40 mel bands x 64 frames), labeled for both
 * modalities, concept group = the digit's word. Skips the calling test when the data is absent.
 */
final class DigitPairs {

  private static final Map<Integer, List<PairedSample>> CACHE = new HashMap<>();

  private DigitPairs() {}

  /** The data directory, or a skipped test saying why. */
  static Path dataDirOrSkip() {
    Optional<Path> dir = DataDir.find();
    Assumptions.assumeTrue(
        dir.isPresent(), "real digit data not found: " + DataDir.notFoundMessage());
    return dir.get();
  }

  /** The first {@code n} MNIST images, each paired with the next FSDD clip of its digit. */
  static synchronized List<PairedSample> load(int n) {
    List<PairedSample> cached = CACHE.get(n);
    if (cached != null) return cached;
    Path dir = dataDirOrSkip();
    Mnist mnist = Mnist.load(dir);
    List<Fsdd.Clip> clips = Fsdd.load(dir);
    List<List<Fsdd.Clip>> byDigit = new ArrayList<>();
    for (int d = 0; d < 10; d++) byDigit.add(new ArrayList<>());
    for (Fsdd.Clip c : clips) byDigit.get(c.digit()).add(c);
    VideoFeaturizer video = new VideoFeaturizer(VideoFeatureConfig.defaults());
    AudioFeaturizer audio = new AudioFeaturizer(AudioFeatureConfig.defaults());
    int[] vshape = video.shape();
    int[] ashape = audio.shape();
    int[] next = new int[10];
    Map<String, float[]> audioCache = new HashMap<>();
    List<PairedSample> out = new ArrayList<>(n);
    for (int i = 0; i < Math.min(n, mnist.size()); i++) {
      int digit = mnist.label(i);
      List<Fsdd.Clip> pool = byDigit.get(digit);
      Fsdd.Clip clip = pool.get(next[digit]++ % pool.size());
      float[] a =
          audioCache.computeIfAbsent(
              clip.path(), p -> audio.featurize(clip.pcm(), clip.sampleRate()));
      float[] v = video.featurize(mnist.cols(), mnist.rows(), 1, "RAW8", mnist.image(i));
      String stream = "cam" + (i % 4);
      out.add(
          PairedSample.newBuilder()
              .setSampleId(stream + "-" + i)
              .setStreamId(stream)
              .setEventTimeMs(1_700_000_000_000L + 500L * i)
              .setVideo(FeatureTensors.of(v, vshape))
              .setAudio(FeatureTensors.of(a, ashape))
              .setLabel(Integer.toString(digit))
              .setLabeledModalities(List.of(Modality.VIDEO, Modality.AUDIO))
              .setPairing(PairingKind.STRONG)
              .setConceptGroup(Fsdd.digitWord(digit))
              .build());
    }
    List<PairedSample> result = List.copyOf(out);
    CACHE.put(n, result);
    return result;
  }
}
