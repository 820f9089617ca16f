package io.streamalign.trainer.snapshot;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.OnlineLearner;
import io.streamalign.model.StepReport;
import io.streamalign.records.Modalities;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import io.streamalign.trainer.quality.PromotionGate;
import io.streamalign.trainer.quality.QualityMonitor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What a snapshot record says about the learner, taken on the learner thread ({@link #of}), and the
 * {@code ModelSnapshot} builder made from it (sha256, format version and signature are added by the
 * records module's {@code SnapshotCodec.seal}).
 */
public record SnapshotRecord(
    byte[] parameters,
    long samplesSeen,
    List<String> classes,
    String configJson,
    String learnerClass,
    Set<Modality> modalities) {

  /** Serializes the learner with its provenance; call on the learner thread. */
  public static SnapshotRecord of(OnlineLearner learner, Map<String, String> provenance) {
    return later(learner, provenance).get();
  }

  /**
   * The learner's state taken now (call on the learner thread), serialized and hashed when the
   * supplier is called, on the caller's thread ({@link OnlineLearner#snapshotLater}): the learner
   * thread goes back to learning while another thread encodes.
   */
  public static java.util.function.Supplier<SnapshotRecord> later(
      OnlineLearner learner, Map<String, String> provenance) {
    java.util.function.Supplier<byte[]> params = learner.snapshotLater(provenance);
    LearnerConfig c = learner.config();
    Set<Modality> modalities = EnumSet.noneOf(Modality.class);
    for (Modality m : Modality.values()) if (c.featureSize(m) > 0) modalities.add(m);
    long seen = learner.samplesSeen();
    List<String> classes = new ArrayList<>(learner.classes());
    String json = c.toJson();
    String learnerClass = learner.getClass().getName();
    return () -> new SnapshotRecord(params.get(), seen, classes, json, learnerClass, modalities);
  }

  /** The record's builder: everything but sha256, format version and signature. */
  public ModelSnapshot.Builder builder(
      String modelName,
      long version,
      long createdAtMs,
      String buildVersion,
      Map<TopicPartition, Long> sourceOffsets,
      PromotionGate.Decision decision,
      StepReport lastReport,
      long driftEvents) {
    Map<String, Double> metrics = new TreeMap<>();
    if (lastReport != null && lastReport.prequentialAccuracy() != null) {
      lastReport
          .prequentialAccuracy()
          .forEach(
              (k, v) -> {
                if (v != null) metrics.put("prequential." + k, v);
              });
    }
    if (!Double.isNaN(decision.accuracy())) {
      metrics.put(QualityMonitor.GATE_ACCURACY, decision.accuracy());
      metrics.put(QualityMonitor.GATE_SAMPLES, (double) decision.samples());
    }
    if (!Double.isNaN(decision.baseline()))
      metrics.put(QualityMonitor.GATE_BASELINE, decision.baseline());
    metrics.put("driftEvents", (double) driftEvents);
    List<TopicPartitionOffset> offsets = new ArrayList<>();
    sourceOffsets.entrySet().stream()
        .sorted(
            Comparator.comparing((Map.Entry<TopicPartition, Long> e) -> e.getKey().topic())
                .thenComparingInt(e -> e.getKey().partition()))
        .forEach(
            e ->
                offsets.add(
                    TopicPartitionOffset.newBuilder()
                        .setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition())
                        .setOffset(e.getValue())
                        .build()));
    return ModelSnapshot.newBuilder()
        .setModelName(modelName)
        .setVersion(version)
        .setFormatVersion(0)
        .setCreatedAtMs(createdAtMs)
        .setConfigJson(configJson)
        .setParameters(ByteBuffer.wrap(parameters))
        .setSha256("")
        .setClasses(classes)
        .setModalities(Modalities.toAvro(modalities))
        .setMetrics(metrics)
        .setPromoted(decision.promoted())
        .setSourceOffsets(offsets)
        .setSamplesSeen(samplesSeen)
        .setLearnerClass(learnerClass)
        .setBuildVersion(buildVersion);
  }
}
