package io.streamalign.app.dashboard;

import io.streamalign.features.media.FeatureSet;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.SupportExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Few-shot enrollment from the dashboard's form: k uploaded examples (WAV audio or PNG/JPEG images)
 * of a new class are featurized exactly as pairing does and published as {@code SupportExample}s to
 * the support topic, where serving enrolls the class at once and the trainer learns it.
 */
public final class Enroller implements AutoCloseable {

  /** Largest number of examples one request may carry. */
  public static final int MAX_EXAMPLES = 50;

  private final KafkaProducer<String, SupportExample> producer;
  private final Topic<String, SupportExample> topic;

  /** The featurizers pairing uses (and serving's POST /predict). */
  private final FeatureSet features = FeatureSet.defaults();

  public Enroller(Properties clientProperties, Topics topics) {
    this.topic = topics.support();
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "streamalign-dashboard-enroll");
    this.producer =
        new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  /**
   * Featurizes and publishes the examples; all or none: a bad file fails the whole request with a
   * message naming it, before anything is sent.
   *
   * @return the number of examples published
   */
  public int enroll(String className, String modality, List<byte[]> files) throws Exception {
    if (className == null || className.isBlank() || className.length() > 200) {
      throw new IllegalArgumentException("a class name (1-200 characters) is needed");
    }
    if (files.isEmpty() || files.size() > MAX_EXAMPLES) {
      throw new IllegalArgumentException(
          "between 1 and " + MAX_EXAMPLES + " examples are needed, got " + files.size());
    }
    Modality m;
    try {
      m =
          io.streamalign.records.Modalities.toAvro(
              io.streamalign.records.Modalities.parse(modality));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("modality must be AUDIO or VIDEO, got " + modality);
    }
    List<SupportExample> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < files.size(); i++) {
      float[] f;
      int[] shape;
      try {
        if (m == Modality.AUDIO) {
          f = features.wav(files.get(i));
          shape = features.audioShape();
        } else if (m == Modality.VIDEO) {
          f = features.image(files.get(i));
          shape = features.videoShape();
        } else {
          throw new IllegalArgumentException("modality must be AUDIO or VIDEO, got " + modality);
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("example " + (i + 1) + ": " + e.getMessage(), e);
      }
      out.add(
          SupportExample.newBuilder()
              .setExampleId(className + "-" + UUID.randomUUID())
              .setClassName(className)
              .setModality(m)
              .setFeatures(FeatureTensors.of(f, shape))
              .setEventTimeMs(now)
              .build());
    }
    for (SupportExample s : out) {
      producer.send(new ProducerRecord<>(topic.name(), className, s));
    }
    producer.flush();
    return out.size();
  }

  /**
   * Enrolls {@code className} from moments just captured by a live client ({@code LiveCapture}):
   * each moment's audio chunk (when {@code modalities} has AUDIO) and gray frame (when it has
   * VIDEO) becomes one support example, featurized as pairing does. At most {@link #MAX_EXAMPLES}
   * per modality, evenly spread over the moments. All or none, like {@link #enroll}.
   *
   * @return the number of examples published
   */
  public int enrollCaptured(
      String className,
      java.util.Set<Modality> modalities,
      List<io.streamalign.ingest.source.live.LiveCapture.Captured> moments) {
    if (className == null || className.isBlank() || className.length() > 200) {
      throw new IllegalArgumentException("a class name (1-200 characters) is needed");
    }
    if (modalities.isEmpty()
        || !java.util.Set.of(Modality.AUDIO, Modality.VIDEO).containsAll(modalities)) {
      throw new IllegalArgumentException(
          "modalities must be AUDIO and/or VIDEO, got " + modalities);
    }
    String name = className.strip();
    long now = System.currentTimeMillis();
    List<SupportExample> out = new ArrayList<>();
    if (modalities.contains(Modality.VIDEO)) {
      for (var m : spread(moments, MAX_EXAMPLES)) {
        float[] f = features.video().featurize(m.width(), m.height(), 1, "RAW8", m.gray());
        out.add(example(name, Modality.VIDEO, f, features.videoShape(), now));
      }
    }
    if (modalities.contains(Modality.AUDIO)) {
      List<io.streamalign.ingest.source.live.LiveCapture.Captured> withAudio =
          moments.stream().filter(m -> m.chunk() != null && m.chunk().length > 0).toList();
      for (var m : spread(withAudio, MAX_EXAMPLES)) {
        out.add(
            example(
                name,
                Modality.AUDIO,
                features.audio().featurize(m.chunk(), m.sampleRate()),
                features.audioShape(),
                now));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing captured to enroll from (no "
              + (modalities.contains(Modality.AUDIO) && !modalities.contains(Modality.VIDEO)
                  ? "audio "
                  : "")
              + "moments in the chosen seconds)");
    }
    for (SupportExample s : out) {
      producer.send(new ProducerRecord<>(topic.name(), name, s));
    }
    producer.flush();
    return out.size();
  }

  private static <T> List<T> spread(List<T> all, int max) {
    if (all.size() <= max) return all;
    List<T> out = new ArrayList<>(max);
    for (int i = 0; i < max; i++) out.add(all.get((int) ((long) i * all.size() / max)));
    return out;
  }

  private static SupportExample example(
      String className, Modality m, float[] f, int[] shape, long now) {
    return SupportExample.newBuilder()
        .setExampleId(className + "-" + UUID.randomUUID())
        .setClassName(className)
        .setModality(m)
        .setFeatures(FeatureTensors.of(f, shape))
        .setEventTimeMs(now)
        .build();
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }
}
