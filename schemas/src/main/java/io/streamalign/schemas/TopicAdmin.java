package io.streamalign.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the StreamAlign topics on a cluster. */
public final class TopicAdmin {
  /** How long {@link #createAll(Admin, Topics, int, short)} waits for the cluster. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private TopicAdmin() {}

  /**
   * Creates every topic of the registry and its dead-letter topic, with their configs, and waits
   * until the cluster has created them and their leaders serve them ({@link #awaitServed}).
   * Idempotent: topics that already exist are left as they are.
   *
   * @param partitions partition count for topics that do not declare their own
   * @param replication replication factor of every topic
   * @return the names of the topics this call created (not those that already existed)
   * @throws KafkaException if a topic cannot be created or the cluster does not answer within
   *     {@link #DEFAULT_TIMEOUT}
   */
  public static Set<String> createAll(
      Admin admin, Topics topics, int partitions, short replication) {
    return createAll(admin, topics.allWithDeadLetters(), partitions, replication, DEFAULT_TIMEOUT);
  }

  /** As {@link #createAll(Admin, Topics, int, short)}, for any list of topics and timeout. */
  public static Set<String> createAll(
      Admin admin, List<Topic<?, ?>> topics, int partitions, short replication, Duration timeout) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1: " + partitions);
    }
    if (replication < 1) {
      throw new IllegalArgumentException("replication must be >= 1: " + replication);
    }
    List<NewTopic> requests = new ArrayList<>(topics.size());
    for (Topic<?, ?> t : topics) {
      requests.add(newTopic(t, partitions, replication));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, KafkaFuture<Void>> results =
        admin
            .createTopics(
                requests,
                new CreateTopicsOptions()
                    .timeoutMs((int) Math.min(Integer.MAX_VALUE, timeout.toMillis())))
            .values();
    Set<String> created = new LinkedHashSet<>();
    for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
      try {
        e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        created.add(e.getKey());
      } catch (ExecutionException ex) {
        if (!(ex.getCause() instanceof TopicExistsException)) {
          throw new KafkaException(
              "cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
        }
      } catch (TimeoutException ex) {
        throw new KafkaException(
            "timed out after " + timeout + " creating topic " + e.getKey(), ex);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while creating topic " + e.getKey(), ex);
      }
    }
    List<String> names = new ArrayList<>(topics.size());
    for (Topic<?, ?> t : topics) names.add(t.name());
    awaitServed(admin, names, deadline);
    return created;
  }

  /**
   * Waits until every partition of the topics has a leader that serves its log. Creation returns
   * once the controller has committed the topics; the broker's metadata cache (what clients and
   * {@code describeTopics} see) follows a moment later, and the partitions' logs after that. A
   * producer writing in between is told NOT_LEADER_OR_FOLLOWER, and an idempotent producer's
   * retries after that were seen to fail with OUT_OF_ORDER_SEQUENCE_NUMBER and lose a record. A
   * ListOffsets request is answered by the leader's log, so its answer means the log is there.
   */
  private static void awaitServed(Admin admin, List<String> names, long deadline) {
    Exception last = null;
    while (System.nanoTime() < deadline) {
      long left = Math.max(1, deadline - System.nanoTime());
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(names).allTopicNames().get(left, TimeUnit.NANOSECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        boolean leaders = described.size() == names.size();
        for (TopicDescription d : described.values()) {
          for (TopicPartitionInfo p : d.partitions()) {
            if (p.leader() == null || p.leader().isEmpty()) leaders = false;
            latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
          }
        }
        if (leaders) {
          admin
              .listOffsets(latest)
              .all()
              .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
        }
      } catch (ExecutionException | TimeoutException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while waiting for topics " + names, e);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while waiting for topics " + names, e);
      }
    }
    throw new KafkaException("topics not served by a leader in time: " + names, last);
  }

  /** The creation request for one topic. */
  public static NewTopic newTopic(Topic<?, ?> topic, int defaultPartitions, short replication) {
    return new NewTopic(topic.name(), topic.partitions().orElse(defaultPartitions), replication)
        .configs(topic.configs());
  }
}
