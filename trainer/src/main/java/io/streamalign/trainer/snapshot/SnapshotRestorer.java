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
import java.util.HashSet;
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
   * Offsets per partition read first; the window grows eightfold while no valid snapshot (or, for
   * the promotion gate's baseline, no promoted one) is found in it and older offsets exist.
   */
  static final long FIRST_WINDOW = 4;

  /**
   * Restores the newest valid committed snapshot of the model with {@code restore} (which must
   * throw on bytes it cannot load). Reads only the tail of the topic ({@link SnapshotReader#tail}),
   * going further back only when the snapshots there are all rejected or none of them is promoted:
   * the result is the one a read of the whole topic gives.
   *
   * @throws IllegalStateException when the topic cannot be read in {@code timeout}
   */
  public Optional<Restored> newestValid(
      Function<byte[], ? extends OnlineLearner> restore, Duration timeout) {
    Set<String> rejectedKeys = new HashSet<>();
    int rejected = 0;
    OnlineLearner learner = null;
    ModelSnapshot chosen = null;
    for (long window = FIRST_WINDOW;
        ;
        window = window > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : window * 8) {
      SnapshotReader.Tail tail =
          SnapshotReader.tail(clientProperties, topic, modelName, window, timeout);
      List<ModelSnapshot> all = tail.snapshots();
      int at = -1;
      if (chosen == null) {
        for (int i = all.size() - 1; i >= 0; i--) {
          ModelSnapshot s = all.get(i);
          if (rejectedKeys.contains(key(s))) continue;
          try {
            byte[] params = codec.verify(s, formatVersions);
            learner = restore.apply(params);
            if (learner == null) throw new IllegalStateException("restore returned no learner");
          } catch (SnapshotVerificationException | RuntimeException e) {
            rejected++;
            rejectedKeys.add(key(s));
            LOG.warn(
                "Rejected snapshot v{} of model {} ({} of the last {} in {}): {}",
                s.getVersion(),
                modelName,
                all.size() - i,
                all.size(),
                topic.name(),
                e.getMessage());
            continue;
          }
          chosen = s;
          at = i;
          break;
        }
      } else {
        for (int i = all.size() - 1; i >= 0 && at < 0; i--)
          if (key(all.get(i)).equals(key(chosen))) at = i;
      }
      if (chosen == null) {
        if (!tail.complete()) continue;
        if (!all.isEmpty() || rejected > 0) {
          LOG.warn(
              "None of the {} snapshots of model {} in {} is valid: starting from scratch",
              rejected,
              modelName,
              topic.name());
        }
        return Optional.empty();
      }
      Optional<ModelSnapshot> promoted = Optional.empty();
      for (int j = at; j >= 0 && promoted.isEmpty(); j--) {
        ModelSnapshot p = all.get(j);
        if (p.getPromoted() && (j == at || valid(p))) promoted = Optional.of(p);
      }
      if (promoted.isEmpty() && !tail.complete() && at >= 0)
        continue; // the baseline is further back
      if (rejected > 0) {
        LOG.warn(
            "Restoring model {} from v{}, the newest valid snapshot ({} newer one(s) rejected)",
            modelName,
            chosen.getVersion(),
            rejected);
      }
      return Optional.of(new Restored(learner, chosen, offsetsOf(chosen), promoted, rejected));
    }
  }

  /** Identifies a snapshot record across reads (version, creation time and samples seen). */
  private static String key(ModelSnapshot s) {
    return s.getModelName()
        + "/"
        + s.getVersion()
        + "/"
        + s.getCreatedAtMs()
        + "/"
        + s.getSamplesSeen();
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
