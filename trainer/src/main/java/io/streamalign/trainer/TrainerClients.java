package io.streamalign.trainer;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The trainer's Kafka client settings (README "Recovery after a crash"): a transactional producer
 * whose {@code transactional.id} a restarted trainer reuses, so its {@code initTransactions()}
 * fences the dead one and aborts its open transaction at once; a {@code read_committed} consumer
 * with static membership ({@code group.instance.id}), so a restarted trainer takes its partitions
 * back without waiting for the dead member's session to expire. Settings in the client config file
 * win where noted ({@code putIfAbsent}).
 */
final class TrainerClients {

  /**
   * The consumer's session timeout unless the client config sets one: a dead trainer's partitions
   * move after it.
   */
  static final String SESSION_TIMEOUT_MS = "10000";

  /**
   * A transaction only spans one snapshot's publication, so a dead trainer's is aborted by the
   * broker soon.
   */
  static final String TRANSACTION_TIMEOUT_MS = "30000";

  private TrainerClients() {}

  static Properties producer(TrainerConfig config) {
    Properties p = config.kafka().clientProperties();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
    int maxRequest = maxRequestSize(config);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRequest));
    long buffer = Math.max(32L * 1024 * 1024, maxRequest + 8L * 1024 * 1024);
    p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(buffer));
    p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    return p;
  }

  static Properties consumer(TrainerConfig config) {
    Properties p = config.kafka().clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupId());
    p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-consumer");
    p.put(
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(1, config.batchSize())));
    return p;
  }

  static int maxRequestSize(TrainerConfig config) {
    Object fromFile = config.kafka().clientProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    return fromFile != null
        ? Integer.parseInt(fromFile.toString().trim())
        : config.snapshotMaxRequestBytes();
  }
}
