package io.streamalign.bench;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event-to-prediction latency through {@code ServingService} at fixed offered rates, against the
 * broker's own produce-to-consume round trip of records of the same size at the same rates, measured
 * in the same run on the same broker; and the highest rate each sustains without growing lag.
 */
public final class ServingBench implements Scenario {

    static final String ECHO = "bench.echo";

    @Override
    public String name() {
        return "serving";
    }

    /** Latencies (ms) of one phase, in send order (NaN = never answered). */
    record Phase(double[] latencyMs, int sent, int received) {
        double p(double pc) {
            return Stats.percentile(Arrays.stream(latencyMs).filter(Double::isFinite).toArray(), pc);
        }

        /** Every record answered and the last quarter's median not far above the first quarter's. */
        boolean sustained() {
            if (received < sent) return false;
            int q = Math.max(1, latencyMs.length / 4);
            double first = Stats.percentile(Arrays.copyOfRange(latencyMs, 0, q), 50);
            double last = Stats.percentile(Arrays.copyOfRange(latencyMs, latencyMs.length - q, latencyMs.length), 50);
            return last <= 2 * first + 20;
        }
    }

    @Override
    public void run(BenchOptions opts, BenchReport report) throws Exception {
        int[] rates = opts.quick() ? new int[] {50, 200, 1000} : new int[] {50, 200, 500, 1000, 2000};
        double phaseSeconds = opts.quick() ? 2 : 20;
        try (ServingRig rig = new ServingRig(opts, 64)) {
            rig.kafka.createTopic(ECHO, 2);
            report.note("data: " + rig.data.source());
            report.note("infer record size " + rig.inferRecords.get(0).length + " bytes (video + audio features); "
                    + (int) phaseSeconds + " s per rate after a discarded 1 s warm-up; serving batch 16, max wait 5 ms, "
                    + "exactly-once; latency = send to read of the committed prediction (read_committed)");
            // warm-up (discarded): JIT, engine, producer and consumer connections
            brokerPhase(rig, 50, 50);
            servingPhase(rig, 50, 50);
            int bestServing = 0;
            int bestBroker = 0;
            for (int rate : rates) {
                int count = (int) Math.max(20, rate * phaseSeconds);
                Phase broker = brokerPhase(rig, rate, count);
                Phase serving = servingPhase(rig, rate, count);
                if (broker.sustained()) bestBroker = Math.max(bestBroker, rate);
                if (serving.sustained()) bestServing = Math.max(bestServing, rate);
                report.add(Figure.of(rate + "/s serving latency p50", serving.p(50), "ms", "broker round trip p50", broker.p(50)));
                report.add(Figure.of(rate + "/s serving latency p95", serving.p(95), "ms", "broker round trip p95", broker.p(95)));
                report.add(Figure.ratioAtMost(rate + "/s serving latency p99", serving.p(99), "ms", "broker round trip p99",
                        broker.p(99), 2.0));
                report.note(rate + "/s: serving answered " + serving.received() + "/" + serving.sent()
                        + (serving.sustained() ? " (sustained)" : " (NOT sustained)") + ", broker " + broker.received()
                        + "/" + broker.sent() + (broker.sustained() ? " (sustained)" : " (NOT sustained)"));
            }
            report.add(Figure.of("highest sustained rate (serving)", bestServing, "events/s",
                    "highest sustained rate (broker round trip)", bestBroker));
            report.note("sustained = every event answered within the drain time and the last quarter's median latency "
                    + "<= 2x the first quarter's + 20 ms (no growing lag)");
        }
    }

    static Phase brokerPhase(ServingRig rig, int rate, int count) throws Exception {
        double[] lat = new double[count];
        Arrays.fill(lat, Double.NaN);
        long[][] sentRef = new long[1][];
        long[] sentAt = new long[count];
        AtomicLong received = new AtomicLong();
        try (BenchKafka.Tail tail = rig.kafka.tail(ECHO, false, (r, now) -> {
            int i = Integer.parseInt(r.key());
            lat[i] = (now - sentAt[i]) / 1e6;
            received.incrementAndGet();
        })) {
            tail.awaitAssigned(Duration.ofSeconds(60));
            sentRef[0] = ServingRig.openLoop(rate, count, i -> {
                sentAt[i] = System.nanoTime();
                rig.producer.send(new ProducerRecord<>(ECHO, Integer.toString(i),
                        rig.inferRecords.get(i % rig.inferRecords.size())));
            });
            drain(received, count);
        }
        return new Phase(lat, count, (int) received.get());
    }

    static Phase servingPhase(ServingRig rig, int rate, int count) throws Exception {
        String run = "r" + rate + "-" + System.nanoTime() + "-";
        double[] lat = new double[count];
        Arrays.fill(lat, Double.NaN);
        long[] sentAt = new long[count];
        Map<String, Integer> index = new ConcurrentHashMap<>();
        AtomicLong received = new AtomicLong();
        var ser = rig.kafka.topics.infer().valueSerde();
        String topic = rig.kafka.topics.infer().name();
        // same records with fresh ids, serialized before the clock starts
        byte[][] records = new byte[count][];
        for (int i = 0; i < count; i++) {
            var s = ser.deserializer().deserialize(topic, rig.inferRecords.get(i % rig.inferRecords.size()));
            s.setSampleId(run + i);
            records[i] = ser.serializer().serialize(topic, s);
            index.put(run + i, i);
        }
        try (BenchKafka.Tail tail = rig.tailPredictions((p, now) -> {
            Integer i = index.get(p.getSampleId());
            if (i != null && Double.isNaN(lat[i])) {
                lat[i] = (now - sentAt[i]) / 1e6;
                received.incrementAndGet();
            }
        })) {
            tail.awaitAssigned(Duration.ofSeconds(60));
            ServingRig.openLoop(rate, count, i -> {
                sentAt[i] = System.nanoTime();
                rig.producer.send(new ProducerRecord<>(topic, rig.inferStreams.get(i % rig.inferStreams.size()), records[i]));
            });
            drain(received, count);
        }
        return new Phase(lat, count, (int) received.get());
    }

    /** Waits until every record is answered, or no answer came for 3 s. */
    static void drain(AtomicLong received, int count) throws InterruptedException {
        long last = received.get();
        long quietSince = System.nanoTime();
        while (received.get() < count) {
            Thread.sleep(20);
            long now = received.get();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > 3_000_000_000L) {
                return;
            }
        }
    }
}
