package io.streamalign.trainer.snapshot;

import io.streamalign.model.OnlineLearner;
import io.streamalign.records.SnapshotCodec;
import io.streamalign.records.SnapshotVerificationException;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the newest valid committed snapshot of a model and restores its learner: the snapshots
 * still in the topic are tried newest first (in commit order, not by the version they claim); each
 * one that fails verification ({@link SnapshotCodec#verify}: hash, signature when a key is set,
 * format version) or does not restore is logged with its reason and skipped. Empty when none is
 * valid: the trainer then starts from scratch.
 */
public final class SnapshotRestorer {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotRestorer.class);

  private final Properties clientProperties;
  private final Topic<String, ModelSnapshot> topic;
  private final String modelName;
  private final SnapshotCodec codec;
  private final Set<Integer> formatVersions;

  public SnapshotRestorer(
      Properties clientProperties,
      Topic<String, ModelSnapshot> topic,
      String modelName,
      SnapshotCodec codec,
      Set<Integer> formatVersions) {
    this.clientProperties = clientProperties;
    this.topic = topic;
    this.modelName = modelName;
    this.codec = codec;
    this.formatVersions = Set.copyOf(formatVersions);
  }

  /**
   * A restored learner, the snapshot it came from, that snapshot's source offsets, the last valid
   * promoted snapshot at or before it (the promotion gate's baseline), and how many newer ones were
   * rejected.
   */
  public record Restored(
      OnlineLearner learner,
      ModelSnapshot snapshot,
      Map<TopicPartition, Long> offsets,
      Optional<ModelSnapshot> lastPromoted,
      int rejected) {}

  /**
   * Reads every committed snapshot of the model and restores the newest valid one with {@code
   * restore} (which must throw on bytes it cannot load).
   *
   * @throws IllegalStateException when the topic cannot be read in {@code timeout}
   */
  public Optional<Restored> newestValid(
      Function<byte[], ? extends OnlineLearner> restore, Duration timeout) {
    List<ModelSnapshot> all = SnapshotReader.all(clientProperties, topic, modelName, timeout);
    int rejected = 0;
    for (int i = all.size() - 1; i >= 0; i--) {
      ModelSnapshot s = all.get(i);
      OnlineLearner learner;
      try {
        byte[] params = codec.verify(s, formatVersions);
        learner = restore.apply(params);
        if (learner == null) throw new IllegalStateException("restore returned no learner");
      } catch (SnapshotVerificationException | RuntimeException e) {
        rejected++;
        LOG.warn(
            "Rejected snapshot v{} of model {} ({} of {} in {}): {}",
            s.getVersion(),
            modelName,
            i + 1,
            all.size(),
            topic.name(),
            e.getMessage());
        continue;
      }
      Optional<ModelSnapshot> promoted = Optional.empty();
      for (int j = i; j >= 0 && promoted.isEmpty(); j--) {
        ModelSnapshot p = all.get(j);
        if (p.getPromoted() && (j == i || valid(p))) promoted = Optional.of(p);
      }
      if (rejected > 0) {
        LOG.warn(
            "Restoring model {} from v{}, the newest valid snapshot ({} newer one(s) rejected)",
            modelName,
            s.getVersion(),
            rejected);
      }
      return Optional.of(new Restored(learner, s, offsetsOf(s), promoted, rejected));
    }
    if (!all.isEmpty()) {
      LOG.warn(
          "None of the {} snapshots of model {} in {} is valid: starting from scratch",
          all.size(),
          modelName,
          topic.name());
    }
    return Optional.empty();
  }

  private boolean valid(ModelSnapshot s) {
    try {
      codec.verify(s, formatVersions);
      return true;
    } catch (SnapshotVerificationException e) {
      return false;
    }
  }

  /** A snapshot's source offsets by partition. */
  public static Map<TopicPartition, Long> offsetsOf(ModelSnapshot s) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartitionOffset o : s.getSourceOffsets()) {
      out.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
    }
    return Collections.unmodifiableMap(out);
  }
}
