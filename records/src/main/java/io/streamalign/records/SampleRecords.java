package io.streamalign.records;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.SupportExample;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the Avro records the services read into what the learner takes: a {@link PairedSample} into
 * a model {@link Sample} (labelled, for training, or without its label, to predict), a {@link
 * SupportExample} into an {@link Enrollment}.
 *
 * <p>Every tensor is checked against the learner's configuration (flat length {@link
 * LearnerConfig#featureSize}) and for finite values, so a bad record is refused here with an {@link
 * InvalidRecordException} naming the field and the sizes, instead of failing a whole training step
 * or prediction batch later.
 */
public final class SampleRecords {

  private final LearnerConfig config;

  public SampleRecords(LearnerConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The learner config the tensors are checked against. */
  public LearnerConfig config() {
    return config;
  }

  /**
   * The learner's view of one paired sample to learn from: features, label, labelled modalities,
   * concept group.
   */
  public Sample toSample(PairedSample p) {
    Objects.requireNonNull(p, "paired sample");
    String label = blankToNull(p.getLabel());
    Set<Modality> labeled = label == null ? Set.of() : Modalities.toModel(p.getLabeledModalities());
    return new Sample(
        p.getSampleId(),
        p.getStreamId(),
        p.getEventTimeMs(),
        features(p),
        label,
        labeled,
        blankToNull(p.getConceptGroup()));
  }

  /** The learner's view of one paired sample to predict: present modalities only, no label. */
  public Sample toUnlabeledSample(PairedSample p) {
    Objects.requireNonNull(p, "paired sample");
    String id = p.getSampleId() == null ? "" : p.getSampleId();
    return new Sample(id, p.getStreamId(), p.getEventTimeMs(), features(p), null, Set.of(), null);
  }

  /** A few-shot enrollment request read from the support topic. */
  public Enrollment toEnrollment(SupportExample s) {
    Objects.requireNonNull(s, "support example");
    String className = blankToNull(s.getClassName());
    if (className == null) {
      throw new InvalidRecordException(
          "support example " + s.getExampleId() + " has no class name");
    }
    if (s.getModality() == null || s.getFeatures() == null) {
      throw new InvalidRecordException(
          "support example " + s.getExampleId() + " has no modality or features");
    }
    Modality m = Modalities.toModel(s.getModality());
    return new Enrollment(className, m, List.of(floats(m, s.getFeatures(), s.getExampleId())));
  }

  private Map<Modality, float[]> features(PairedSample p) {
    String id = p.getSampleId();
    Map<Modality, float[]> features = new EnumMap<>(Modality.class);
    put(features, Modality.VIDEO, p.getVideo(), id);
    put(features, Modality.AUDIO, p.getAudio(), id);
    put(features, Modality.TEXT, p.getText(), id);
    if (features.isEmpty()) {
      throw new InvalidRecordException(
          "sample " + id + " has no modality (video, audio and text are all null)");
    }
    return features;
  }

  private void put(Map<Modality, float[]> out, Modality m, FeatureTensor t, String id) {
    if (t != null) out.put(m, floats(m, t, id));
  }

  /** The floats of one tensor, checked for size and finiteness against the learner's config. */
  public float[] floats(Modality m, FeatureTensor t, String id) {
    float[] v;
    try {
      v = FeatureTensors.toFloats(t);
    } catch (RuntimeException e) {
      throw new InvalidRecordException(
          m + " tensor of " + id + " is malformed: " + e.getMessage(), e);
    }
    int expected = config.featureSize(m);
    if (v.length != expected) {
      throw new InvalidRecordException(
          m
              + " tensor of "
              + id
              + " has "
              + v.length
              + " values but the model takes "
              + expected
              + " ("
              + shapeOf(m)
              + ")");
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new InvalidRecordException(
            m + " tensor of " + id + " has a non-finite value at " + i + ": " + v[i]);
      }
    }
    return v;
  }

  private String shapeOf(Modality m) {
    return switch (m) {
      case VIDEO -> config.videoChannels() + "x" + config.videoHeight() + "x" + config.videoWidth();
      case AUDIO -> config.audioMelBands() + "x" + config.audioFrames();
      case TEXT -> Integer.toString(config.textVocab());
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** One enrollment: k labelled examples of one modality for a class. */
  public record Enrollment(String className, Modality modality, List<float[]> examples) {}
}
