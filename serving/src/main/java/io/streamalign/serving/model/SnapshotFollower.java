package io.streamalign.serving.model;

import io.streamalign.model.LearnerConfig;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.SnapshotRejectedException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code av.model.snapshots} (key: model name, value: Avro {@code ModelSnapshot},
 * compacted) with a {@code read_committed} consumer that reads every partition from the start and
 * has no consumer group: every serving instance sees every snapshot.
 *
 * <p>On start it reads the tail of each partition up to the end offsets (widening the tail until it
 * holds a few wanted snapshots or reaches the beginning), keeps the newest snapshots of the
 * configured model (promoted ones only, unless told otherwise) and serves the newest that verifies.
 * Then it keeps following: a snapshot of a newer version is verified and restored on this thread,
 * off the prediction hot path, the few-shot enrollments are replayed into it, and it is swapped in
 * (of the snapshots that arrive in one poll the newest is tried first, then older ones, so that a
 * rejected newest does not hide a good one that is still newer than the served version). A snapshot
 * that fails verification is rejected with a logged reason and a counter (by reason); the old model
 * keeps serving. Versions never go backwards: an older or equal version is skipped.
 */
public final class SnapshotFollower implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFollower.class);

  /**
   * Snapshots kept while reading the backlog on start: the newest few, in case the newest is bad.
   */
  private static final int BACKLOG_CANDIDATES = 3;

  /**
   * Offsets per partition the backlog read starts with (a snapshot, an aborted one or a transaction
   * marker each).
   */
  private static final long BACKLOG_WINDOW = 8;

  private final Properties consumerProps;
  private final String topic;
  private final Deserializer<ModelSnapshot> deserializer;
  private final String modelName;
  private final boolean promotedOnly;
  private final SnapshotVerifier verifier;
  private final ModelHolder holder;
  private final Enrollments enrollments;
  private final ServingMetrics metrics;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile boolean running;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  /**
   * @param clientProps base Kafka client properties (bootstrap servers, security)
   * @param topic the snapshots topic name
   * @param deserializer the {@code ModelSnapshot} value deserializer
   */
  public SnapshotFollower(
      Properties clientProps,
      String topic,
      Deserializer<ModelSnapshot> deserializer,
      String modelName,
      boolean promotedOnly,
      SnapshotVerifier verifier,
      ModelHolder holder,
      Enrollments enrollments,
      ServingMetrics metrics) {
    this.consumerProps = new Properties();
    consumerProps.putAll(clientProps);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(72 * 1024 * 1024));
    consumerProps.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(72 * 1024 * 1024));
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "8");
    consumerProps.putIfAbsent(
        ConsumerConfig.CLIENT_ID_CONFIG, "streamalign-serving-snapshots-" + modelName);
    consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.topic = topic;
    this.deserializer = deserializer;
    this.modelName = modelName;
    this.promotedOnly = promotedOnly;
    this.verifier = verifier;
    this.holder = holder;
    this.enrollments = enrollments;
    this.metrics = metrics;
  }

  /** Starts the follower thread. */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    running = true;
    thread = new Thread(this::run, "serving-snapshots-" + modelName);
    thread.setDaemon(true);
    thread.start();
  }

  /** True while the follower thread runs. */
  public boolean isRunning() {
    Thread t = thread;
    return running && t != null && t.isAlive();
  }

  /**
   * Waits until the backlog present at start has been read (and its newest good snapshot served).
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Follows the topic; a retriable client error (a metadata or offsets timeout while the broker is
   * slow, paused or restarting) starts the follower over after a second instead of ending it, so a
   * transient outage can never leave serving without model updates for good.
   */
  private void run() {
    while (running) {
      try {
        follow();
        return;
      } catch (RetriableException e) {
        LOG.warn("snapshot follower for {}: {}; starting over in 1 s", modelName, e.toString());
        sleep(1000);
      }
    }
    caughtUp.countDown();
  }

  private void follow() {
    boolean retry = false;
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer = c;
      if (!running) return;
      List<TopicPartition> partitions = partitions(c);
      c.assign(partitions);
      Map<TopicPartition, Long> begin = c.beginningOffsets(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      List<ModelSnapshot> backlog = new ArrayList<>();
      // Only the tail of each partition, widened until it holds the candidates: the topic keeps
      // every
      // snapshot of its active segment, and a restart must not read them all (README.md, "Recovery
      // after a crash").
      for (long window = BACKLOG_WINDOW;
          running;
          window = window > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : window * 8) {
        backlog.clear();
        boolean complete = true;
        for (TopicPartition tp : partitions) {
          long first = begin.getOrDefault(tp, 0L);
          long last = end.getOrDefault(tp, first);
          long from = last - first > window ? last - window : first;
          if (from > first) complete = false;
          c.seek(tp, from);
        }
        while (running && !reached(c, end)) {
          for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
            if (r.offset()
                >= end.getOrDefault(new TopicPartition(r.topic(), r.partition()), Long.MAX_VALUE)) {
              continue; // after the backlog: the follow loop below reads it again
            }
            decode(r)
                .filter(this::wanted)
                .ifPresent(
                    s -> {
                      backlog.add(s);
                      backlog.sort(Comparator.comparingLong(ModelSnapshot::getVersion).reversed());
                      while (backlog.size() > BACKLOG_CANDIDATES)
                        backlog.remove(backlog.size() - 1);
                    });
          }
        }
        if (complete || backlog.size() >= BACKLOG_CANDIDATES) break;
      }
      for (TopicPartition tp : partitions) c.seek(tp, end.getOrDefault(tp, 0L));
      for (ModelSnapshot s : backlog) {
        if (install(s)) break; // newest good one wins
      }
      LOG.info(
          "snapshot follower for {} caught up at {}; serving version {}",
          modelName,
          end,
          holder.version());
      caughtUp.countDown();
      while (running) {
        ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
        List<ModelSnapshot> arrived = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records)
          decode(r).filter(this::wanted).ifPresent(arrived::add);
        // newest first; if it is rejected, an older one of the same poll may still be newer than
        // the served one
        arrived.sort(Comparator.comparingLong(ModelSnapshot::getVersion).reversed());
        for (ModelSnapshot s : arrived) {
          if (install(s)) break;
        }
      }
    } catch (WakeupException e) {
      if (running) LOG.error("snapshot follower woken up while running", e);
    } catch (RetriableException e) {
      retry = running;
      throw e;
    } catch (RuntimeException e) {
      LOG.error(
          "snapshot follower for {} stopped by an unexpected error; the served model stays",
          modelName,
          e);
    } finally {
      consumer = null;
      if (!retry) {
        running = false;
        caughtUp.countDown();
      }
    }
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
    while (running) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) out.add(new TopicPartition(p.topic(), p.partition()));
        return out;
      }
      LOG.warn("topic {} not found yet; retrying", topic);
      sleep(1000);
    }
    return List.of();
  }

  private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  private Optional<ModelSnapshot> decode(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) return Optional.empty(); // tombstone
    if (r.key() != null && !modelName.equals(r.key())) return Optional.empty();
    try {
      return Optional.of(deserializer.deserialize(r.topic(), r.value()));
    } catch (RuntimeException e) {
      reject(
          Reason.UNDECODABLE,
          "record "
              + r.topic()
              + "-"
              + r.partition()
              + "@"
              + r.offset()
              + " does not decode as ModelSnapshot: "
              + e.getMessage());
      return Optional.empty();
    }
  }

  private boolean wanted(ModelSnapshot s) {
    if (!modelName.equals(s.getModelName())) return false;
    if (promotedOnly && !s.getPromoted()) {
      if (unpromoted++ % 100 == 0) {
        LOG.info(
            "skipping {} v{}: not promoted (serving.promoted.only=true; set it to false to serve"
                + " every snapshot)",
            modelName,
            s.getVersion());
      }
      return false;
    }
    return true;
  }

  private long unpromoted;

  /** Verifies, restores, re-enrolls and swaps in {@code s}; true when it is served now. */
  boolean install(ModelSnapshot s) {
    long served = holder.version();
    if (s.getVersion() <= served) {
      LOG.info(
          "skipping {} v{}: serving v{} already (versions never go backwards)",
          modelName,
          s.getVersion(),
          served);
      return false;
    }
    long t0 = System.nanoTime();
    LearnerConfig current = holder.peek().map(ServedModel::config).orElse(null);
    ServedModel next;
    try {
      next = verifier.verify(s, current);
    } catch (SnapshotRejectedException e) {
      reject(e.reason(), e.getMessage());
      return false;
    }
    try {
      enrollments.swapEnrolled(holder, next);
    } catch (RuntimeException e) {
      next.release();
      reject(
          Reason.RESTORE_FAILED,
          modelName + " v" + s.getVersion() + ": re-enrollment or swap failed: " + e);
      return false;
    }
    long nanos = System.nanoTime() - t0;
    metrics.swap(nanos);
    LOG.info(
        "serving {} v{} (was v{}; verify+restore+re-enroll {} ms, {} enrolled classes)",
        modelName,
        s.getVersion(),
        served,
        nanos / 1_000_000,
        enrollments.classCount());
    return true;
  }

  private void reject(Reason reason, String message) {
    metrics.rejected(reason.name());
    LOG.warn("rejected snapshot: {}; still serving v{}", message, holder.version());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops following; the served model stays in the holder. */
  @Override
  public void close() {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) c.wakeup();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
