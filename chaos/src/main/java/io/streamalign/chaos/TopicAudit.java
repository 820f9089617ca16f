package io.streamalign.chaos;

import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The verdict, read from the topics themselves: read_committed consumers follow {@code av.paired},
 * {@code av.model.snapshots}, {@code av.infer}, {@code av.predictions} and the dead-letter topics
 * of the two inputs, and {@link #check(boolean)} compares them.
 *
 * <ul>
 *   <li><b>learned twice / lost</b>: the newest snapshot's {@code samplesSeen} against the number
 *       of distinct paired samples at offsets before its {@code sourceOffsets} (the trainer's own
 *       dead letters excluded). More is a sample learned twice, fewer a sample lost; at the end of
 *       a run (drained) every paired sample after the offsets is lost too.
 *   <li><b>bad snapshot offsets</b>: a snapshot whose {@code sourceOffsets} miss a partition of
 *       {@code av.paired} (empty or partial).
 *   <li><b>predictions missing / duplicated</b>: each {@code av.infer} record gets exactly one
 *       {@code Prediction} with its {@code sampleId}. Missing counts records below serving's
 *       committed offsets (all of them once drained) without a prediction, serving's dead letters
 *       excluded; duplicated counts predictions beyond the number of infer records of their id.
 * </ul>
 */
public final class TopicAudit implements AutoCloseable {

  /** One snapshot as the audit sees it. */
  public record SnapshotView(
      long version,
      long samplesSeen,
      Map<Integer, Long> pairedOffsets,
      long timestampMs,
      boolean offsetsComplete) {}

  /** The counts of one check. */
  public record Counts(
      long lost,
      long learnedTwice,
      long predictionsMissing,
      long predictionsDuplicated,
      int badSnapshotOffsets,
      long snapshotVersion,
      long samplesSeen,
      long pairedLearnable,
      long inferRecords,
      long predictions) {

    boolean clean() {
      return lost == 0
          && learnedTwice == 0
          && predictionsMissing == 0
          && predictionsDuplicated == 0
          && badSnapshotOffsets == 0;
    }
  }

  private static final AvroSerde<PairedSample> PAIRED = AvroSerde.of(PairedSample.class);
  private static final AvroSerde<ModelSnapshot> SNAPSHOT = AvroSerde.of(ModelSnapshot.class);
  private static final AvroSerde<Prediction> PREDICTION = AvroSerde.of(Prediction.class);
  private static final AvroSerde<DeadLetter> DEAD_LETTER = AvroSerde.of(DeadLetter.class);

  private final Topics topics;
  private final String modelName;
  private final String servingGroup;
  private final Properties client;
  private final Admin admin;
  private final List<Follower> followers = new ArrayList<>();
  private int pairedPartitions;

  // av.paired: per partition, offsets and sample ids in offset order
  private final Map<Integer, List<Long>> pairedOffsets = new HashMap<>();
  private final Map<Integer, List<String>> pairedIds = new HashMap<>();
  private final Map<Integer, TreeSet<Long>> trainerDeadLetters = new HashMap<>();
  private final List<SnapshotView> snapshots = new ArrayList<>();
  private final Map<Integer, List<Long>> inferOffsets = new HashMap<>();
  private final Map<Integer, List<String>> inferIds = new HashMap<>();
  private final Set<Long> servingDeadLetters = new HashSet<>(); // partition << 48 | offset
  private final Map<String, Integer> predictionsById = new HashMap<>();
  private final List<Long> predictionTimes = new ArrayList<>();
  private long predictionCount;
  private Map<Integer, Long> committedAtRefresh;

  public TopicAudit(
      Properties clientProperties, Topics topics, String modelName, String servingGroup) {
    this.topics = topics;
    this.modelName = modelName;
    this.servingGroup = servingGroup;
    this.client = clientProperties;
    this.admin = Admin.create(clientProperties);
    follow(topics.snapshots().name(), this::onSnapshot);
    follow(topics.paired().name(), this::onPaired);
    follow(topics.paired().dlq(), r -> onDeadLetter(r, topics.paired().name()));
    follow(topics.infer().name(), this::onInfer);
    follow(topics.infer().dlq(), r -> onDeadLetter(r, topics.infer().name()));
    follow(topics.predictions().name(), this::onPrediction);
  }

  private void follow(String topic, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
    followers.add(new Follower(topic, handler));
  }

  /**
   * Reads every topic up to its last stable offset. Snapshots are read before the paired samples
   * and group offsets before infer and predictions, so a check never sees a snapshot or a commit
   * newer than the data it is compared with. Returns false when the broker did not answer in time.
   */
  public boolean refresh(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // serving's committed offsets first: the predictions read below are then at least as new as
    // they are
    Map<Integer, Long> committed = servingCommitted();
    for (Follower f : followers) {
      if (!f.catchUp(deadline)) return false;
    }
    if (committed != null) committedAtRefresh = committed;
    return true;
  }

  /** The snapshots read so far, in the order they were committed. */
  public List<SnapshotView> snapshots() {
    return List.copyOf(snapshots);
  }

  /** Record timestamp of the first snapshot written after {@code afterMs}, or -1. */
  public long firstSnapshotAfter(long afterMs) {
    for (SnapshotView s : snapshots) {
      if (s.timestampMs() > afterMs) return s.timestampMs();
    }
    return -1;
  }

  /** Record timestamp of the first prediction written after {@code afterMs}, or -1. */
  public long firstPredictionAfter(long afterMs) {
    long first = -1;
    for (int i = predictionTimes.size() - 1; i >= 0; i--) {
      long t = predictionTimes.get(i);
      if (t > afterMs && (first < 0 || t < first)) first = t;
      if (t <= afterMs - 60_000)
        break; // timestamps are near-monotonic; a minute back is far enough
    }
    return first;
  }

  /** Number of paired samples read so far. */
  public long pairedCount() {
    return pairedIds.values().stream().mapToLong(List::size).sum();
  }

  /** Whether the trainer and serving have consumed everything there is (the end of a run). */
  public boolean drained() {
    SnapshotView latest = latest();
    if (latest == null) return pairedCount() == 0;
    for (Map.Entry<Integer, List<Long>> e : pairedOffsets.entrySet()) {
      List<Long> offs = e.getValue();
      if (!offs.isEmpty()
          && latest.pairedOffsets().getOrDefault(e.getKey(), 0L) <= offs.get(offs.size() - 1)) {
        return false;
      }
    }
    Map<Integer, Long> committed = servingCommitted();
    if (committed == null) return false;
    for (Map.Entry<Integer, List<Long>> e : inferOffsets.entrySet()) {
      List<Long> offs = e.getValue();
      if (!offs.isEmpty() && committed.getOrDefault(e.getKey(), 0L) <= offs.get(offs.size() - 1))
        return false;
    }
    return true;
  }

  /**
   * Compares what has been read; {@code atEnd}: every record is due (the load has stopped and
   * drained).
   */
  public Counts check(boolean atEnd) {
    SnapshotView latest = latest();
    int bad = (int) snapshots.stream().filter(s -> !s.offsetsComplete()).count();
    long learnable = 0;
    long unlearned = 0;
    Set<String> seen = new HashSet<>();
    for (Map.Entry<Integer, List<Long>> e : pairedOffsets.entrySet()) {
      int p = e.getKey();
      long upTo = latest == null ? 0 : latest.pairedOffsets().getOrDefault(p, 0L);
      TreeSet<Long> dead = trainerDeadLetters.getOrDefault(p, new TreeSet<>());
      List<Long> offs = e.getValue();
      List<String> ids = pairedIds.get(p);
      for (int i = 0; i < offs.size(); i++) {
        long o = offs.get(i);
        if (dead.contains(o) || !seen.add(ids.get(i))) continue;
        if (o < upTo) learnable++;
        else unlearned++;
      }
    }
    long samplesSeen = latest == null ? 0 : latest.samplesSeen();
    long twice = Math.max(0, samplesSeen - learnable);
    long lost = Math.max(0, learnable - samplesSeen) + (atEnd ? unlearned : 0);

    Map<String, Integer> occurrences = new HashMap<>();
    Map<String, Integer> due = new HashMap<>();
    Map<Integer, Long> committed = atEnd ? null : committedAtRefresh;
    long inferTotal = 0;
    for (Map.Entry<Integer, List<Long>> e : inferOffsets.entrySet()) {
      int p = e.getKey();
      long upTo = atEnd ? Long.MAX_VALUE : committed == null ? 0 : committed.getOrDefault(p, 0L);
      List<Long> offs = e.getValue();
      List<String> ids = inferIds.get(p);
      for (int i = 0; i < offs.size(); i++) {
        if (servingDeadLetters.contains(key(p, offs.get(i)))) continue;
        inferTotal++;
        occurrences.merge(ids.get(i), 1, Integer::sum);
        if (offs.get(i) < upTo) due.merge(ids.get(i), 1, Integer::sum);
      }
    }
    long missing = 0;
    for (Map.Entry<String, Integer> e : due.entrySet()) {
      missing += Math.max(0, e.getValue() - predictionsById.getOrDefault(e.getKey(), 0));
    }
    long duplicated = 0;
    for (Map.Entry<String, Integer> e : predictionsById.entrySet()) {
      duplicated += Math.max(0, e.getValue() - occurrences.getOrDefault(e.getKey(), 0));
    }
    return new Counts(
        lost,
        twice,
        missing,
        duplicated,
        bad,
        latest == null ? 0 : latest.version(),
        samplesSeen,
        learnable,
        inferTotal,
        predictionCount);
  }

  private SnapshotView latest() {
    SnapshotView latest = null;
    for (SnapshotView s : snapshots) {
      if (latest == null || s.version() >= latest.version()) latest = s;
    }
    return latest;
  }

  /** Serving's committed offsets on the infer topic, or null when the broker does not answer. */
  private Map<Integer, Long> servingCommitted() {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(servingGroup)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      Map<Integer, Long> out = new HashMap<>();
      offsets.forEach(
          (tp, om) -> {
            if (om != null && tp.topic().equals(topics.infer().name()))
              out.put(tp.partition(), om.offset());
          });
      return out;
    } catch (Exception e) {
      return null;
    }
  }

  private void onSnapshot(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null
        || !modelName.equals(new String(r.key(), StandardCharsets.UTF_8))
        || r.value() == null) return;
    ModelSnapshot s = SNAPSHOT.decode(r.value());
    Map<Integer, Long> offsets = new HashMap<>();
    for (TopicPartitionOffset tpo : s.getSourceOffsets()) {
      if (tpo.getTopic().equals(topics.paired().name()))
        offsets.put(tpo.getPartition(), tpo.getOffset());
    }
    boolean complete = pairedPartitions > 0 && offsets.size() == pairedPartitions;
    snapshots.add(
        new SnapshotView(
            s.getVersion(), s.getSamplesSeen(), offsets, s.getCreatedAtMs(), complete));
  }

  private void onPaired(ConsumerRecord<byte[], byte[]> r) {
    PairedSample s = PAIRED.decode(r.value());
    pairedOffsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
    pairedIds.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(s.getSampleId());
  }

  private void onInfer(ConsumerRecord<byte[], byte[]> r) {
    String id;
    try {
      id = PAIRED.decode(r.value()).getSampleId();
    } catch (RuntimeException e) {
      id = "undecodable@" + r.partition() + "/" + r.offset();
    }
    inferOffsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
    inferIds.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(id);
  }

  private void onDeadLetter(ConsumerRecord<byte[], byte[]> r, String source) {
    DeadLetter d = DEAD_LETTER.decode(r.value());
    if (!d.getOriginalTopic().equals(source)) return;
    if (source.equals(topics.paired().name())) {
      trainerDeadLetters.computeIfAbsent(d.getPartition(), p -> new TreeSet<>()).add(d.getOffset());
    } else {
      servingDeadLetters.add(key(d.getPartition(), d.getOffset()));
    }
  }

  private void onPrediction(ConsumerRecord<byte[], byte[]> r) {
    Prediction p = PREDICTION.decode(r.value());
    predictionsById.merge(p.getSampleId(), 1, Integer::sum);
    predictionTimes.add(
        p.getPublishTimeMs()); // when serving published it (the record timestamp may be the
    // event time)
    predictionCount++;
  }

  private static long key(int partition, long offset) {
    return ((long) partition << 48) | offset;
  }

  @Override
  public void close() {
    for (Follower f : followers) f.consumer.close();
    admin.close(Duration.ofSeconds(5));
  }

  /** A read_committed consumer assigned every partition of one topic, from the beginning. */
  private final class Follower {
    final String topic;
    final Consumer<ConsumerRecord<byte[], byte[]>> handler;
    final KafkaConsumer<byte[], byte[]> consumer;
    List<TopicPartition> partitions;

    Follower(String topic, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
      this.topic = topic;
      this.handler = handler;
      Properties p = new Properties();
      p.putAll(client);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(
          ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
          Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + (1 << 20)));
      p.put(
          ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
          Integer.toString(Topics.SNAPSHOT_MAX_MESSAGE_BYTES + (1 << 20)));
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, "chaos-audit-" + topic);
      this.consumer =
          new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    boolean catchUp(long deadlineNanos) {
      try {
        if (partitions == null) {
          List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
          if (infos == null || infos.isEmpty()) return false;
          partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
          if (topic.equals(topics.paired().name())) pairedPartitions = partitions.size();
          consumer.assign(partitions);
          consumer.seekToBeginning(partitions);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
        while (true) {
          boolean behind = false;
          for (TopicPartition tp : partitions) {
            if (consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp)) behind = true;
          }
          if (!behind) return true;
          if (System.nanoTime() > deadlineNanos) return false;
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            handler.accept(r);
          }
        }
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        return false;
      }
    }
  }
}
