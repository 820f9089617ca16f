package io.streamalign.trainer.convert;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.avro.FeatureTensor;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.SupportExample;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the Avro records the trainer reads into what the learner takes: a {@link PairedSample}
 * into a model {@link Sample}, a {@link SupportExample} into an {@link Enrollment}.
 *
 * <p>Every tensor is checked against the learner's configuration (flat length
 * {@link LearnerConfig#featureSize}) and for finite values, so a bad record is refused here, with
 * an {@link InvalidSampleException} naming the field and the sizes, instead of failing a whole
 * training step later.
 */
public final class SampleConverter {

    private final LearnerConfig config;

    public SampleConverter(LearnerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The learner's view of one paired sample: features per present modality, label, label budget, concept group. */
    public Sample toSample(PairedSample p) {
        Objects.requireNonNull(p, "paired sample");
        String id = p.getSampleId();
        Map<Modality, float[]> features = new EnumMap<>(Modality.class);
        put(features, Modality.VIDEO, p.getVideo(), id);
        put(features, Modality.AUDIO, p.getAudio(), id);
        put(features, Modality.TEXT, p.getText(), id);
        if (features.isEmpty()) {
            throw new InvalidSampleException("sample " + id + " has no modality (video, audio and text are all null)");
        }
        String label = blankToNull(p.getLabel());
        Set<Modality> labeled = EnumSet.noneOf(Modality.class);
        if (label != null && p.getLabeledModalities() != null) {
            for (io.streamalign.schemas.avro.Modality m : p.getLabeledModalities()) {
                labeled.add(Modality.valueOf(m.name()));
            }
        }
        return new Sample(id, p.getStreamId(), p.getEventTimeMs(), features, label, labeled,
                blankToNull(p.getConceptGroup()));
    }

    /** A few-shot enrollment request read from the support topic. */
    public Enrollment toEnrollment(SupportExample s) {
        Objects.requireNonNull(s, "support example");
        String className = blankToNull(s.getClassName());
        if (className == null) {
            throw new InvalidSampleException("support example " + s.getExampleId() + " has no class name");
        }
        if (s.getModality() == null || s.getFeatures() == null) {
            throw new InvalidSampleException("support example " + s.getExampleId() + " has no modality or features");
        }
        Modality m = Modality.valueOf(s.getModality().name());
        return new Enrollment(className, m, List.of(floats(m, s.getFeatures(), s.getExampleId())));
    }

    private void put(Map<Modality, float[]> out, Modality m, FeatureTensor t, String id) {
        if (t != null) {
            out.put(m, floats(m, t, id));
        }
    }

    private float[] floats(Modality m, FeatureTensor t, String id) {
        float[] v;
        try {
            v = FeatureTensors.toFloats(t);
        } catch (RuntimeException e) {
            throw new InvalidSampleException(m + " tensor of " + id + " is malformed: " + e.getMessage(), e);
        }
        int expected = config.featureSize(m);
        if (v.length != expected) {
            throw new InvalidSampleException(m + " tensor of " + id + " has " + v.length
                    + " values but the learner takes " + expected + " (" + shapeOf(m) + ")");
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new InvalidSampleException(m + " tensor of " + id + " has a non-finite value at " + i + ": " + v[i]);
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

    /** One enrollment: k labeled examples of one modality for a class. */
    public record Enrollment(String className, Modality modality, List<float[]> examples) {}
}
