package io.streamalign.chaos;

import io.streamalign.schemas.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * When a stack whose load has stopped has finished its work: pairing has consumed every partition
 * its group reads (inputs and repartition topics), no new paired sample has come for longer than
 * pairing's wall-clock release of held moments, and the audit says the last snapshot covers every
 * paired sample and serving has committed every infer record. Used by the chaos suite and the input
 * fuzzer at the end of a run, so that a moment pairing still holds is not counted as lost.
 */
public final class Drain {

  /**
   * Longer than the sample gate's wall-clock release of held moments (7 s by default, restarted
   * after a stalled stream thread; README "Pairing").
   */
  static final long PAIRED_QUIET_MS = 12_000;

  private Drain() {}

  /** Waits until drained (true) or {@code timeout} (false). */
  public static boolean await(
      Properties client, Topics topics, String pairingGroup, TopicAudit audit, Duration timeout) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    long lastPaired = -1;
    long pairedSince = System.currentTimeMillis();
    try (Admin admin = Admin.create(client)) {
      while (System.currentTimeMillis() < deadline) {
        boolean caughtUp = pairingCaughtUp(admin, topics, pairingGroup);
        if (!audit.refresh(Duration.ofSeconds(20))) {
          Stack.sleep(2000);
          continue;
        }
        long paired = audit.pairedCount();
        if (paired != lastPaired) {
          lastPaired = paired;
          pairedSince = System.currentTimeMillis();
        }
        boolean pairedQuiet = System.currentTimeMillis() - pairedSince >= PAIRED_QUIET_MS;
        if (caughtUp && pairedQuiet && audit.drained()) {
          Stack.sleep(3000); // one more snapshot period: the last step's snapshot
          audit.refresh(Duration.ofSeconds(20));
          if (audit.drained() && audit.pairedCount() == paired) return true;
        }
        Stack.sleep(2000);
      }
    }
    return false;
  }

  private static boolean pairingCaughtUp(Admin admin, Topics topics, String pairingGroup) {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(pairingGroup)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> ask = new LinkedHashMap<>();
      for (String t :
          List.of(
              topics.video().name(),
              topics.audio().name(),
              topics.text().name(),
              topics.labels().name())) {
        for (var p :
            admin
                .describeTopics(List.of(t))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get(t)
                .partitions()) {
          ask.put(new TopicPartition(t, p.partition()), OffsetSpec.latest());
        }
      }
      Set<TopicPartition> inputs = Set.copyOf(ask.keySet());
      for (TopicPartition tp : committed.keySet()) ask.putIfAbsent(tp, OffsetSpec.latest());
      var ends = admin.listOffsets(ask).all().get(10, TimeUnit.SECONDS);
      for (var e : ends.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        // a repartition topic is written in transactions: its end may be a commit marker after the
        // last record
        long slack = inputs.contains(e.getKey()) ? 0 : 1;
        if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset() - slack))
          return false;
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
