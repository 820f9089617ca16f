package io.streamalign.serving.predict;

import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Conversions between the Avro records and the learner's types, with the input checks serving needs. */
public final class Conversions {

    private Conversions() {
    }

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
     *                            size for the model, or not finite
     */
    public static Sample toSample(PairedSample p, LearnerConfig cfg) {
        Map<Modality, float[]> features = new EnumMap<>(Modality.class);
        put(features, Modality.VIDEO, p.getVideo(), cfg);
        put(features, Modality.AUDIO, p.getAudio(), cfg);
        put(features, Modality.TEXT, p.getText(), cfg);
        if (features.isEmpty()) {
            throw new BadSampleException("sample " + p.getSampleId() + " has no modality (video, audio and text are all null)");
        }
        String id = p.getSampleId() == null ? "" : p.getSampleId();
        return new Sample(id, p.getStreamId(), p.getEventTimeMs(), features, null, Set.of(), null);
    }

    private static void put(Map<Modality, float[]> out, Modality m, FeatureTensor t, LearnerConfig cfg) {
        if (t == null) return;
        out.put(m, checked(m, t, cfg));
    }

    /** The floats of one tensor, checked for size and finiteness against the model's config. */
    public static float[] checked(Modality m, FeatureTensor t, LearnerConfig cfg) {
        float[] x;
        try {
            x = FeatureTensors.toFloats(t);
        } catch (RuntimeException e) {
            throw new BadSampleException(m + " tensor is malformed: " + e.getMessage(), e);
        }
        int expected = cfg.featureSize(m);
        if (x.length != expected) {
            throw new BadSampleException(m + " tensor has " + x.length + " values, the model takes " + expected);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new BadSampleException(m + " tensor value " + i + " is not finite: " + x[i]);
            }
        }
        return x;
    }

    /**
     * Why an inference cannot be published, or null if it can: its score and every top-k score must be
     * finite (a NaN score would reach every consumer of {@code av.predictions} and every JSON reader).
     */
    public static String nonFiniteScore(Inference inf) {
        if (!Double.isFinite(inf.score())) return "the model's score is not finite: " + inf.score();
        for (Inference.ClassScore cs : inf.topK()) {
            if (!Double.isFinite(cs.score())) return "the model's score of class " + cs.className() + " is not finite: " + cs.score();
        }
        return null;
    }

    /** The {@code Prediction} record for one inference. */
    public static Prediction toPrediction(PairedSample p, Inference inf, String modelName, long version, int topK,
                                          long publishTimeMs) {
        List<ClassScore> top = new ArrayList<>();
        for (Inference.ClassScore cs : inf.topK()) {
            if (top.size() >= topK) break;
            top.add(new ClassScore(cs.className(), cs.score()));
        }
        List<io.streamalign.schemas.avro.Modality> used = new ArrayList<>();
        for (Modality m : Modality.values()) {
            if (inf.modalities().contains(m)) used.add(io.streamalign.schemas.avro.Modality.valueOf(m.name()));
        }
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
