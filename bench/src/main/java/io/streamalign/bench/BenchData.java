package io.streamalign.bench;

import io.streamalign.features.AudioFeatureConfig;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.Moment;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.SyntheticOptions;
import io.streamalign.ingest.source.SyntheticSource;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The paired samples the benchmarks feed: real MNIST t10k images + FSDD clips of the same digit,
 * featurized with the features module's default featurizers, when the data directory is found;
 * otherwise the synthetic source's moments, featurized the same way. {@link #source()} says which.
 */
public final class BenchData {

  private final List<PairedSample> samples;
  private final String source;
  private final Fsdd.Clip oneClip;

  private BenchData(List<PairedSample> samples, String source, Fsdd.Clip oneClip) {
    this.samples = samples;
    this.source = source;
    this.oneClip = oneClip;
  }

  /** {@code n} paired samples (both modalities labeled). */
  public static BenchData load(int n) {
    Optional<Path> dir = DataDir.find();
    return dir.isPresent() ? real(dir.get(), n) : synthetic(n);
  }

  public List<PairedSample> samples() {
    return samples;
  }

  /** Where the samples came from, for the report. */
  public String source() {
    return source;
  }

  /** One real FSDD clip, or null with synthetic data. */
  public Fsdd.Clip clip() {
    return oneClip;
  }

  static BenchData real(Path dir, int n) {
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
    for (int i = 0; i < n; i++) {
      int m = i % mnist.size();
      int digit = mnist.label(m);
      List<Fsdd.Clip> pool = byDigit.get(digit);
      Fsdd.Clip clip = pool.get(next[digit]++ % pool.size());
      float[] a =
          audioCache.computeIfAbsent(
              clip.path(), p -> audio.featurize(clip.pcm(), clip.sampleRate()));
      float[] v = video.featurize(28, 28, 1, "RAW8", mnist.image(m));
      out.add(sample(i, Integer.toString(digit), Fsdd.digitWord(digit), v, vshape, a, ashape));
    }
    return new BenchData(
        List.copyOf(out), "real data: MNIST t10k + FSDD from " + dir, clips.get(0));
  }

  static BenchData synthetic(int n) {
    VideoFeaturizer video = new VideoFeaturizer(VideoFeatureConfig.defaults());
    AudioFeaturizer audio = new AudioFeaturizer(AudioFeatureConfig.defaults());
    int[] vshape = video.shape();
    int[] ashape = audio.shape();
    AvSink none =
        new AvSink() {
          @Override
          public CompletableFuture<?> sendFrame(VideoFrame f) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletableFuture<?> sendAudio(AudioChunk c) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletableFuture<?> sendText(TextSegment t) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletableFuture<?> sendLabel(LabelEvent l) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public void flush() {}
        };
    List<PairedSample> out = new ArrayList<>(n);
    try (SyntheticSource src =
        new SyntheticSource(
            none,
            SourceOptions.defaults("syn").withRate(0).withSeed(7),
            SyntheticOptions.defaults())) {
      for (int i = 0; i < n; i++) {
        Moment m =
            src.moment(0, i, 1_700_000_000_000L + 100L * i); // the default options have one stream
        VideoFrame f = m.video();
        AudioChunk c = m.audio();
        float[] v =
            video.featurize(
                f.getWidth(),
                f.getHeight(),
                f.getChannels(),
                f.getEncoding().name(),
                bytes(f.getData()));
        float[] a = audio.featurizePcm16le(bytes(c.getData()), c.getSampleRate(), c.getChannels());
        out.add(sample(i, m.className(), m.className(), v, vshape, a, ashape));
      }
    }
    return new BenchData(
        List.copyOf(out),
        "synthetic source moments (real data not found: " + DataDir.notFoundMessage() + ")",
        null);
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    java.nio.ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static PairedSample sample(
      int i, String label, String concept, float[] v, int[] vshape, float[] a, int[] ashape) {
    String stream = "cam" + (i % 4);
    return PairedSample.newBuilder()
        .setSampleId(stream + "-" + i)
        .setStreamId(stream)
        .setEventTimeMs(1_700_000_000_000L + 500L * i)
        .setVideo(FeatureTensors.of(v, vshape))
        .setAudio(FeatureTensors.of(a, ashape))
        .setLabel(label)
        .setLabeledModalities(List.of(Modality.VIDEO, Modality.AUDIO))
        .setPairing(PairingKind.STRONG)
        .setConceptGroup(concept)
        .build();
  }
}
