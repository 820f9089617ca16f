package io.streamalign.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Time from a snapshot's publication to the first prediction carrying its version, over many swaps
 * under steady inference load, against the broker's own produce-to-consume time of the same
 * snapshot record (same size, same broker, same run).
 */
public final class SwapBench implements Scenario {

  static final String ECHO = "bench.snapshot-echo";

  @Override
  public String name() {
    return "swap";
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    int swaps = opts.pick(6, 40);
    double loadRate = opts.pick(100, 200);
    try (ServingRig rig = new ServingRig(opts, 64)) {
      rig.kafka.createTopic(ECHO, 1);
      Map<Long, Long> firstSeen = new ConcurrentHashMap<>();
      Map<Long, Long> echoSeen = new ConcurrentHashMap<>();
      List<Double> swapMs = new ArrayList<>();
      List<Double> echoMs = new ArrayList<>();
      AtomicBoolean loading = new AtomicBoolean(true);
      String topic = rig.kafka.topics.infer().name();
      Thread load =
          new Thread(
              () -> {
                int i = 0;
                long t0 = System.nanoTime();
                while (loading.get()) {
                  long due = t0 + Math.round(i * 1e9 / loadRate);
                  long wait = due - System.nanoTime();
                  if (wait > 0) java.util.concurrent.locks.LockSupport.parkNanos(wait);
                  int k = i % rig.inferRecords.size();
                  rig.producer.send(
                      new ProducerRecord<>(
                          topic, rig.inferStreams.get(k), rig.inferRecords.get(k)));
                  i++;
                }
              },
              "bench-swap-load");
      int recordBytes;
      try (BenchKafka.Tail preds =
              rig.tailPredictions((p, now) -> firstSeen.putIfAbsent(p.getModelVersion(), now));
          BenchKafka.Tail echo =
              rig.kafka.tail(
                  ECHO, false, (r, now) -> echoSeen.putIfAbsent(Long.parseLong(r.key()), now))) {
        preds.awaitAssigned(Duration.ofSeconds(60));
        echo.awaitAssigned(Duration.ofSeconds(60));
        load.start();
        BenchKafka.await(
            "predictions of v1", Duration.ofSeconds(60), () -> firstSeen.containsKey(1L));
        recordBytes = rig.snapshotRecord(2, rig.snapshotA).length;
        for (int s = 0; s < swaps; s++) {
          long version = s + 2;
          byte[] params = s % 2 == 0 ? rig.snapshotB : rig.snapshotA;
          byte[] record = rig.snapshotRecord(version, params);
          // baseline: the same bytes through the broker alone
          long e0 = System.nanoTime();
          rig.producer.send(new ProducerRecord<>(ECHO, Long.toString(version), record)).get();
          BenchKafka.await(
              "echo of v" + version, Duration.ofSeconds(30), () -> echoSeen.containsKey(version));
          echoMs.add((echoSeen.get(version) - e0) / 1e6);
          // the swap
          long t0 = System.nanoTime();
          rig.producer
              .send(
                  new ProducerRecord<>(
                      rig.kafka.topics.snapshots().name(), ServingRig.MODEL, record))
              .get();
          BenchKafka.await(
              "first prediction of v" + version,
              Duration.ofSeconds(60),
              () -> firstSeen.keySet().stream().anyMatch(v -> v >= version));
          long seen =
              firstSeen.entrySet().stream()
                  .filter(e -> e.getKey() >= version)
                  .mapToLong(Map.Entry::getValue)
                  .min()
                  .orElseThrow();
          swapMs.add((seen - t0) / 1e6);
          Thread.sleep(opts.pick(300, 1000));
        }
      } finally {
        loading.set(false);
        load.join(10_000);
      }
      report.note("data: " + rig.data.source());
      report.note(
          swaps
              + " swaps under "
              + (int) loadRate
              + " events/s of inference load; snapshot record "
              + recordBytes
              + " bytes; the clock starts before the snapshot's send and stops when the first "
              + "committed prediction of that version (or newer) is read");
      report.add(
          Figure.of(
              "swap time p50",
              Stats.percentile(swapMs, 50),
              "ms",
              "broker round trip of the snapshot record p50",
              Stats.percentile(echoMs, 50)));
      report.add(
          Figure.valueAtMost(
              "swap time p99",
              Stats.percentile(swapMs, 99),
              "ms",
              "broker round trip of the snapshot record p99",
              Stats.percentile(echoMs, 99),
              250));
    }
  }
}
