package io.streamalign.microbench;

import io.streamalign.bench.BenchData;
import io.streamalign.features.AudioFeatureConfig;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.data.Fsdd;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import io.streamalign.records.SampleRecords;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH microbenchmarks, each with the baseline that bounds it: one learner step on a batch of 32 vs
 * predicting the same batch (forward only); log-mel featurization of a 1 s clip (vs 1 s of real
 * time, in the scenario); the AvroSerde round trip of a PairedSample vs converting its tensors'
 * floats to and from bytes alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
public class LearnerMicro {

  @Param("cpu")
  public String device;

  private CrossModalLearner learner;
  private List<Sample> batch;
  private AudioFeaturizer featurizer;
  private short[] oneSecond;
  private int sampleRate;
  private AvroSerde<PairedSample> serde;
  private PairedSample paired;

  @Setup(Level.Trial)
  public void setUp() {
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    BenchData data = BenchData.load(64);
    LearnerConfig cfg = LearnerConfig.defaults().with("device", device);
    SampleRecords conv = new SampleRecords(cfg);
    List<Sample> all = data.samples().stream().map(conv::toSample).toList();
    batch = all.subList(0, 32);
    learner = CrossModalLearner.create(cfg);
    learner.learn(all.subList(32, 64));
    featurizer = new AudioFeaturizer(AudioFeatureConfig.defaults());
    Fsdd.Clip clip = data.clip();
    if (clip != null) {
      sampleRate = clip.sampleRate();
      oneSecond = new short[sampleRate];
      for (int i = 0; i < oneSecond.length; i++) oneSecond[i] = clip.pcm()[i % clip.pcm().length];
    } else {
      sampleRate = 16000;
      oneSecond = new short[sampleRate];
      java.util.Random r = new java.util.Random(1);
      for (int i = 0; i < oneSecond.length; i++) {
        oneSecond[i] =
            (short) (3000 * Math.sin(2 * Math.PI * 440 * i / sampleRate) + r.nextGaussian() * 300);
      }
    }
    serde = AvroSerde.of(PairedSample.class);
    paired = data.samples().get(0);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    learner.close();
    serde.close();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public StepReport learnStep32() {
    return learner.learn(batch);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<Inference> predictBatch32() {
    return learner.predictBatch(batch);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public float[] logMel1s() {
    return featurizer.featurize(oneSecond, sampleRate);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public PairedSample serdeRoundTrip() {
    byte[] b = serde.serializer().serialize("av.paired", paired);
    return serde.deserializer().deserialize("av.paired", b);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public FeatureTensor tensorBytesRoundTrip() {
    FeatureTensor v = paired.getVideo();
    FeatureTensor a = paired.getAudio();
    FeatureTensors.of(
        FeatureTensors.toFloats(v), v.getShape().stream().mapToInt(Integer::intValue).toArray());
    return FeatureTensors.of(
        FeatureTensors.toFloats(a), a.getShape().stream().mapToInt(Integer::intValue).toArray());
  }
}
