package io.streamalign.model;

import java.util.List;
import java.util.Map;

/** Skeleton; replaced by the real implementation. */
public final class CrossModalLearner implements OnlineLearner {

    private final LearnerConfig cfg;

    private CrossModalLearner(LearnerConfig cfg) {
        this.cfg = cfg;
    }

    public static CrossModalLearner create(LearnerConfig cfg) {
        return new CrossModalLearner(cfg);
    }

    public static CrossModalLearner restore(byte[] snapshot) {
        throw new SnapshotException("not implemented yet");
    }

    public static LearnerConfig configOf(byte[] snapshot) {
        throw new SnapshotException("not implemented yet");
    }

    public static Map<String, String> provenanceOf(byte[] snapshot) {
        throw new SnapshotException("not implemented yet");
    }

    public CrossModalLearner adapt(List<Sample> support, int steps) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override public StepReport learn(List<Sample> batch) { throw new UnsupportedOperationException("not implemented yet"); }
    @Override public Inference predict(Sample sample) { throw new UnsupportedOperationException("not implemented yet"); }
    @Override public List<Inference> predictBatch(List<Sample> samples) { throw new UnsupportedOperationException("not implemented yet"); }
    @Override public void enroll(String className, Modality modality, List<float[]> examples) { throw new UnsupportedOperationException("not implemented yet"); }
    @Override public List<String> classes() { return List.of(); }
    @Override public long samplesSeen() { return 0; }
    @Override public LearnerConfig config() { return cfg; }
    @Override public byte[] snapshot(Map<String, String> provenance) { throw new UnsupportedOperationException("not implemented yet"); }
    @Override public void close() {}
}
