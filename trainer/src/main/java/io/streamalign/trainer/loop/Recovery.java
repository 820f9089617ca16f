package io.streamalign.trainer.loop;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.OnlineLearner;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.trainer.metrics.TrainerMeters;
import io.streamalign.trainer.quality.QualityMonitor;
import io.streamalign.trainer.snapshot.SnapshotPublisher;
import io.streamalign.trainer.snapshot.SnapshotRestorer;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner's last committed state and the way back to it: the version and source offsets of the
 * last snapshot that committed (or was restored), where the consumer resumes on assignment, and the
 * rollback after a fault: the transactional producer made ready again, the learner restored from
 * the newest valid committed snapshot (re-read from the topic, so an ambiguous commit is settled by
 * what the topic holds), every assigned partition sought to its offsets.
 */
public final class Recovery {

  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  private final LoopSettings config;
  private final LearnerWorker learner;
  private final Function<LearnerConfig, OnlineLearner> create;
  private final Function<byte[], OnlineLearner> restore;
  private final SnapshotRestorer restorer;
  private final SnapshotPublisher publisher;
  private final QualityMonitor quality;
  private final TrainerMeters meters;
  private final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();

  private volatile long version;
  private volatile Map<TopicPartition, Long> offsets = Map.of();
  private volatile String reason;
  private volatile Optional<Long> restoredVersion = Optional.empty();
  private volatile long restoredSamplesSeen;
  private volatile long restoredBytes;

  /** Parameter bytes of the snapshot the last {@link #load()} restored. */
  private volatile long lastBytes;

  private volatile Map<TopicPartition, Long> restoredOffsets = Map.of();
  private volatile Map<TopicPartition, Long> committedAtAssignment = Map.of();

  public Recovery(
      LoopSettings config,
      LearnerWorker learner,
      Function<LearnerConfig, OnlineLearner> create,
      Function<byte[], OnlineLearner> restore,
      SnapshotRestorer restorer,
      SnapshotPublisher publisher,
      QualityMonitor quality,
      TrainerMeters meters) {
    this.config = config;
    this.learner = learner;
    this.create = create;
    this.restore = restore;
    this.restorer = restorer;
    this.publisher = publisher;
    this.quality = quality;
    this.meters = meters;
  }

  /**
   * At start: restores the newest valid committed snapshot, or makes a fresh learner. Throws on
   * failure.
   */
  public void start() {
    load();
    restoredVersion = version == 0 ? Optional.empty() : Optional.of(version);
    restoredSamplesSeen = meters.samplesSeen();
    restoredBytes = restoredVersion.isEmpty() ? 0 : lastBytes;
  }

  private void load() {
    Optional<SnapshotRestorer.Restored> r =
        restorer.newestValid(
            bytes -> learner.call(old -> restore.apply(bytes)), TrainLoop.CLIENT_TIMEOUT);
    if (r.isPresent()) {
      ModelSnapshot s = r.get().snapshot();
      OnlineLearner restored = r.get().learner();
      learner.replace(() -> restored);
      if (!learner.call(l -> l.config()).compatibleWith(config.learnerConfig())) {
        LOG.warn(
            "Model {} restored from v{} keeps its own learner config, which differs in shapes from the "
                + "configured one",
            config.modelName(),
            s.getVersion());
      }
      version = s.getVersion();
      offsets = r.get().offsets();
      quality.restore(r.get().lastPromoted());
      long seen = learner.call(OnlineLearner::samplesSeen);
      lastBytes = s.getParameters().remaining();
      meters.onRestored(version, lastBytes, seen);
      LOG.info(
          "Restored model {} from snapshot v{} ({} bytes, {} samples seen, promoted={}); resuming at offsets {}",
          config.modelName(),
          s.getVersion(),
          s.getParameters().remaining(),
          seen,
          s.getPromoted(),
          new TreeMap<>(TrainLoop.stringKeys(offsets)));
    } else {
      LOG.info(
          "No valid snapshot of model {} in {}: starting a fresh learner",
          config.modelName(),
          config.topics().snapshots().name());
      learner.replace(() -> create.apply(config.learnerConfig()));
      version = 0;
      offsets = Map.of();
      quality.restore(Optional.empty());
      meters.onRestored(0, 0, 0);
    }
  }

  /** Version of the last committed (or restored) snapshot; 0 for none. */
  public long version() {
    return version;
  }

  /** Source offsets of the last committed (or restored) snapshot. */
  public Map<TopicPartition, Long> offsets() {
    return offsets;
  }

  /** A snapshot committed: the new committed state. */
  void committed(long newVersion, Map<TopicPartition, Long> source) {
    version = newVersion;
    offsets = Collections.unmodifiableMap(new HashMap<>(source));
  }

  /** Asks for a rollback before any further record is used. */
  void request(String why) {
    if (reason == null)
      LOG.warn(
          "Trainer {}: {}; rolling the learner back to snapshot v{}",
          config.modelName(),
          why,
          version);
    reason = why;
  }

  /** True while a rollback is pending. */
  public boolean needed() {
    return reason != null;
  }

  /**
   * Rolls back (see the class comment); false, with the rollback still pending, when it could not
   * be done now. Rethrows fencing.
   */
  boolean rollBack(KafkaConsumer<byte[], byte[]> consumer) {
    try {
      publisher.ensureReady();
      load();
      seekToModel(consumer, consumer.assignment());
    } catch (RuntimeException e) {
      if (SnapshotPublisher.isFenced(e)) throw e;
      LOG.warn(
          "Trainer {}: rollback not possible yet ({}); retrying", config.modelName(), e.toString());
      return false;
    }
    meters.onRollback();
    LOG.warn(
        "Trainer {} rolled back to snapshot v{} ({} samples seen) after: {}",
        config.modelName(),
        version,
        meters.samplesSeen(),
        reason);
    reason = null;
    return true;
  }

  /** Partitions were assigned: each resumes at the model's offset (the committed snapshot's). */
  void assigned(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions) {
    assignment.addAll(partitions);
    if (partitions.isEmpty()) return;
    Map<TopicPartition, Long> seen;
    try {
      seen = seekToModel(consumer, partitions);
    } catch (org.apache.kafka.common.KafkaException e) {
      if (SnapshotPublisher.isFenced(e)) throw e;
      request(
          "cannot read the committed offsets of "
              + partitions
              + " ("
              + e
              + ")"); // the rollback seeks
      return;
    }
    Map<TopicPartition, Long> sought = new HashMap<>(restoredOffsets);
    for (TopicPartition tp : partitions) {
      Long model = offsets.get(tp);
      if (model != null) sought.put(tp, model);
    }
    Map<TopicPartition, Long> committed = new HashMap<>(committedAtAssignment);
    committed.putAll(seen);
    restoredOffsets = Collections.unmodifiableMap(sought);
    committedAtAssignment = Collections.unmodifiableMap(committed);
    LOG.info("Partitions assigned: {} (committed {})", partitions, TrainLoop.stringKeys(seen));
  }

  void revoked(Collection<TopicPartition> partitions) {
    assignment.removeAll(partitions);
  }

  /**
   * Seeks each partition to the model's offset, else the group's committed one, else the beginning.
   */
  private Map<TopicPartition, Long> seekToModel(
      KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions) {
    Map<TopicPartition, Long> seen = new HashMap<>();
    if (partitions.isEmpty()) return seen;
    Map<TopicPartition, OffsetAndMetadata> committed =
        consumer.committed(new HashSet<>(partitions), TrainLoop.CLIENT_TIMEOUT);
    List<TopicPartition> fromStart = new java.util.ArrayList<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata c = committed.get(tp);
      long committedOffset = c == null ? -1 : c.offset();
      seen.put(tp, committedOffset);
      Long model = offsets.get(tp);
      if (model != null) {
        consumer.seek(tp, model);
        if (model != committedOffset) {
          LOG.warn(
              "{}: the model's offset {} differs from the group's committed offset {}; resuming at the "
                  + "model's, so each record is learned exactly once",
              tp,
              model,
              committedOffset);
        }
      } else if (committedOffset >= 0) {
        LOG.warn(
            "{}: committed offset {} but the model records none; resuming at the committed offset",
            tp,
            committedOffset);
        consumer.seek(tp, committedOffset);
      } else {
        fromStart.add(tp);
      }
    }
    if (!fromStart.isEmpty()) consumer.seekToBeginning(fromStart);
    return seen;
  }

  /** The partitions assigned now. */
  public Set<TopicPartition> assignment() {
    return Set.copyOf(assignment);
  }

  public Optional<Long> restoredVersion() {
    return restoredVersion;
  }

  /** Size of the parameters of the snapshot restored at start (0: none, a fresh learner). */
  public long restoredBytes() {
    return restoredBytes;
  }

  /** The learner's samplesSeen when the service started (restored samples). */
  public long restoredSamplesSeen() {
    return restoredSamplesSeen;
  }

  public Map<TopicPartition, Long> restoredOffsets() {
    return restoredOffsets;
  }

  public Map<TopicPartition, Long> committedAtAssignment() {
    return committedAtAssignment;
  }
}
