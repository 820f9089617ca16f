package io.streamalign.serving.predict;

import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.records.InvalidRecordException;
import io.streamalign.records.Modalities;
import io.streamalign.records.SampleRecords;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import java.util.ArrayList;
import java.util.List;

/**
 * Serving's use of the record boundary: the records module's {@link SampleRecords} (the one
 * conversion of Avro records to learner samples, shared with the trainer), with its refusals
 * reported as {@link BadSampleException}, and the {@code Prediction} record.
 */
public final class Conversions {

  private Conversions() {}

  /** Thrown when a sample cannot be predicted (no modality, wrong size, non-finite values). */
  public static final class BadSampleException extends IllegalArgumentException {
    public BadSampleException(String message) {
      super(message);
    }

    public BadSampleException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The learner sample for a {@code PairedSample} to predict: present modalities only, no label.
   *
   * @param cfg the served model's config, to check feature sizes against
   * @throws BadSampleException when no modality is present, or a tensor is malformed, of the wrong
   *     size for the model, or not finite
   */
  public static Sample toSample(PairedSample p, LearnerConfig cfg) {
    try {
      return new SampleRecords(cfg).toUnlabeledSample(p);
    } catch (InvalidRecordException e) {
      throw new BadSampleException(e.getMessage(), e);
    }
  }

  /** The floats of one tensor, checked for size and finiteness against the model's config. */
  public static float[] checked(Modality m, FeatureTensor t, LearnerConfig cfg) {
    try {
      return new SampleRecords(cfg).floats(m, t, "the request");
    } catch (InvalidRecordException e) {
      throw new BadSampleException(e.getMessage(), e);
    }
  }

  /**
   * Why an inference cannot be published, or null if it can: its score and every top-k score must
   * be finite (a NaN score would reach every consumer of {@code av.predictions} and every JSON
   * reader).
   */
  public static String nonFiniteScore(Inference inf) {
    if (!Double.isFinite(inf.score())) return "the model's score is not finite: " + inf.score();
    for (Inference.ClassScore cs : inf.topK()) {
      if (!Double.isFinite(cs.score()))
        return "the model's score of class " + cs.className() + " is not finite: " + cs.score();
    }
    return null;
  }

  /** The {@code Prediction} record for one inference. */
  public static Prediction toPrediction(
      PairedSample p, Inference inf, String modelName, long version, int topK, long publishTimeMs) {
    List<ClassScore> top = new ArrayList<>();
    for (Inference.ClassScore cs : inf.topK()) {
      if (top.size() >= topK) break;
      top.add(new ClassScore(cs.className(), cs.score()));
    }
    List<io.streamalign.schemas.avro.Modality> used = Modalities.toAvro(inf.modalities());
    return Prediction.newBuilder()
        .setSampleId(p.getSampleId())
        .setStreamId(p.getStreamId())
        .setLabel(inf.label())
        .setScore(inf.score())
        .setTopK(top)
        .setModalitiesUsed(used)
        .setModelName(modelName)
        .setModelVersion(version)
        .setEventTimeMs(p.getEventTimeMs())
        .setPublishTimeMs(publishTimeMs)
        .setLatencyMs(publishTimeMs - p.getEventTimeMs())
        .setTrueLabel(p.getLabel())
        .build();
  }
}
