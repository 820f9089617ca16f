package io.streamalign.model;

import java.util.Objects;

/**
 * Configuration of a {@link OnlineLearner}: input shapes per modality, the aligned space, and the
 * hyper-parameters of the papers (defaults are the papers' values; see DESIGN section 4).
 *
 * <p>Shape fields must match the featurizers' output; {@link #compatibleWith} says whether a
 * snapshot made under another config can be served in place of this one.
 */
public record LearnerConfig(
        int videoChannels,
        int videoHeight,
        int videoWidth,
        int audioMelBands,
        int audioFrames,
        int textVocab,
        int embeddingDim,
        Modality sourceModality,
        Modality targetModality,
        String fusion,
        String alignmentLoss,
        double margin,
        double temperature,
        double metaStepSize,
        double innerLearningRate,
        int innerSteps,
        double learningRate,
        double momentum,
        double weightDecay,
        double pmrAlpha,
        double pmrMu,
        double prototypeMomentum,
        double prototypeSubset,
        int prototypeEvery,
        int warmupSamples,
        int episodeWays,
        int episodeShots,
        int reservoirPerClass,
        long seed,
        String device) {

    public LearnerConfig {
        Objects.requireNonNull(sourceModality, "sourceModality");
        Objects.requireNonNull(targetModality, "targetModality");
        if (embeddingDim <= 0) throw new IllegalArgumentException("embeddingDim must be > 0");
    }

    /** Defaults for the digit data (28x28 gray frames, 40 mel bands x 64 frames, 1024 hashed tokens). */
    public static LearnerConfig defaults() {
        return new LearnerConfig(
                1, 28, 28,
                40, 64,
                1024,
                128,
                Modality.VIDEO, Modality.AUDIO,
                "concat", "margin", 0.1, 0.1,
                0.1, 1e-3, 1,
                1e-2, 0.9, 1e-4,
                1.0, 1e-2,
                0.2, 0.1, 256,
                2000,
                5, 5, 200,
                42L, "auto");
    }

    /** True when a model made under {@code other} takes the same inputs and embedding size. */
    public boolean compatibleWith(LearnerConfig other) {
        return other != null
                && videoChannels == other.videoChannels
                && videoHeight == other.videoHeight
                && videoWidth == other.videoWidth
                && audioMelBands == other.audioMelBands
                && audioFrames == other.audioFrames
                && textVocab == other.textVocab
                && embeddingDim == other.embeddingDim;
    }

    /** Flat feature length of one modality's input. */
    public int featureSize(Modality m) {
        return switch (m) {
            case VIDEO -> videoChannels * videoHeight * videoWidth;
            case AUDIO -> audioMelBands * audioFrames;
            case TEXT -> textVocab;
        };
    }
}
