package io.streamalign.app.dashboard;

import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link DashboardState} from Kafka: trainer metrics, predictions and enrolled classes (the
 * support topic) from the beginning, raw frames, audio and captions from the end (they are only
 * shown next to new predictions). A plain consumer with manual assignment, no group,
 * read_committed: it never affects the services. Records that do not decode are counted and skipped
 * (the dashboard only shows; the DLQs belong to the services that process the records).
 */
public final class DashboardFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DashboardFeed.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topics topics;
  private final DashboardState state;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private volatile long undecodable;

  public DashboardFeed(Properties clientProperties, Topics topics, DashboardState state) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamalign-dashboard");
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topics = topics;
    this.state = state;
    this.thread = new Thread(this::run, "streamalign-dashboard-feed");
    this.thread.setDaemon(true);
  }

  public DashboardFeed start() {
    thread.start();
    return this;
  }

  public long undecodable() {
    return undecodable;
  }

  private List<TopicPartition> partitions(String topic) {
    List<TopicPartition> out = new ArrayList<>();
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos != null) {
      for (PartitionInfo i : infos) out.add(new TopicPartition(topic, i.partition()));
    }
    return out;
  }

  private void run() {
    try {
      List<TopicPartition> fromStart = new ArrayList<>();
      fromStart.addAll(partitions(topics.metrics().name()));
      fromStart.addAll(partitions(topics.predictions().name()));
      fromStart.addAll(partitions(topics.support().name()));
      List<TopicPartition> fromEnd = new ArrayList<>();
      fromEnd.addAll(partitions(topics.video().name()));
      fromEnd.addAll(partitions(topics.audio().name()));
      fromEnd.addAll(partitions(topics.text().name()));
      List<TopicPartition> all = new ArrayList<>(fromStart);
      all.addAll(fromEnd);
      consumer.assign(all);
      consumer.seekToBeginning(fromStart);
      consumer.seekToEnd(fromEnd);
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          dispatch(r);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) throw e;
    } catch (RuntimeException e) {
      LOG.warn("dashboard feed stopped: {}", e.toString());
    } finally {
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) return;
    String t = r.topic();
    try {
      if (t.equals(topics.metrics().name())) {
        state.onMetrics(decode(topics.metrics(), t, r.value()));
      } else if (t.equals(topics.predictions().name())) {
        state.onPrediction(decode(topics.predictions(), t, r.value()));
      } else if (t.equals(topics.support().name())) {
        state.onSupportClass(decode(topics.support(), t, r.value()).getClassName());
      } else if (t.equals(topics.video().name())) {
        state.onFrame(decode(topics.video(), t, r.value()));
      } else if (t.equals(topics.audio().name())) {
        state.onAudio(decode(topics.audio(), t, r.value()));
      } else if (t.equals(topics.text().name())) {
        state.onText(decode(topics.text(), t, r.value()));
      }
    } catch (RuntimeException e) {
      undecodable++;
    }
  }

  private static <V> V decode(Topic<String, V> topic, String name, byte[] bytes) {
    return topic.valueSerde().deserializer().deserialize(name, bytes);
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
