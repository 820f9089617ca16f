package io.streamalign.serving.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The serving service's meters on a Prometheus registry.
 *
 * <p>Meters: {@code streamalign_serving_predictions_total} (by {@code source} kafka/http), {@code
 * streamalign_serving_predictions_per_second} (over the last 10 s), {@code
 * streamalign_serving_latency_seconds} (event time to publish time, histogram), {@code
 * streamalign_serving_batch_predict_seconds}, {@code streamalign_serving_batch_size}, {@code
 * streamalign_serving_model_version}, {@code streamalign_serving_swaps_total}, {@code
 * streamalign_serving_swap_seconds} (verify + restore + re-enroll), {@code
 * streamalign_serving_snapshots_rejected_total} (by {@code reason}), {@code
 * streamalign_serving_dead_letters_total} (by {@code topic}), {@code
 * streamalign_serving_enrollments_total}, {@code streamalign_serving_transactions_aborted_total}.
 */
public final class ServingMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter kafkaPredictions;
  private final Counter httpPredictions;
  private final Timer latency;
  private final Timer batchPredict;
  private final DistributionSummary batchSize;
  private final Counter swaps;
  private final Timer swapTime;
  private final Counter enrollments;
  private final Counter aborted;
  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final Deque<long[]> window = new ArrayDeque<>();
  private final AtomicLong total = new AtomicLong();

  /**
   * @param modelVersion supplies the served version (-1 when none)
   */
  public ServingMetrics(LongSupplier modelVersion) {
    kafkaPredictions =
        Counter.builder("streamalign.serving.predictions")
            .tag("source", "kafka")
            .description("predictions published")
            .register(registry);
    httpPredictions =
        Counter.builder("streamalign.serving.predictions")
            .tag("source", "http")
            .description("predictions published")
            .register(registry);
    latency =
        Timer.builder("streamalign.serving.latency")
            .description("event time to publish time")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    batchPredict =
        Timer.builder("streamalign.serving.batch.predict")
            .description("predictBatch wall time")
            .publishPercentileHistogram()
            .register(registry);
    batchSize =
        DistributionSummary.builder("streamalign.serving.batch.size")
            .description("records per micro-batch")
            .register(registry);
    swaps =
        Counter.builder("streamalign.serving.swaps")
            .description("model hot swaps")
            .register(registry);
    swapTime =
        Timer.builder("streamalign.serving.swap")
            .description("verify + restore + re-enroll time of a swap")
            .register(registry);
    enrollments =
        Counter.builder("streamalign.serving.enrollments")
            .description("support examples enrolled")
            .register(registry);
    aborted =
        Counter.builder("streamalign.serving.transactions.aborted")
            .description("aborted prediction transactions")
            .register(registry);
    Gauge.builder("streamalign.serving.model.version", modelVersion, s -> s.getAsLong())
        .description("served model version (-1: none)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("streamalign.serving.predictions.per.second", this, ServingMetrics::ratePerSecond)
        .description("predictions per second over the last 10 s")
        .strongReference(true)
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Records {@code n} predictions from Kafka and their event-to-publish latencies. */
  public void kafkaPredictions(int n) {
    kafkaPredictions.increment(n);
    mark(n);
  }

  public void httpPrediction() {
    httpPredictions.increment();
    mark(1);
  }

  public void latencyMs(long ms) {
    latency.record(Duration.ofMillis(Math.max(0, ms)));
  }

  public void batchPredictNanos(long nanos, int size) {
    batchPredict.record(Duration.ofNanos(nanos));
    batchSize.record(size);
  }

  public void swap(long nanos) {
    swaps.increment();
    swapTime.record(Duration.ofNanos(nanos));
  }

  public void enrollment() {
    enrollments.increment();
  }

  public void aborted() {
    aborted.increment();
  }

  public void rejected(String reason) {
    rejected
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("streamalign.serving.snapshots.rejected")
                    .tag("reason", r)
                    .description("snapshots rejected")
                    .register(registry))
        .increment();
  }

  public void deadLetter(String topic) {
    deadLetters
        .computeIfAbsent(
            topic,
            t ->
                Counter.builder("streamalign.serving.dead.letters")
                    .tag("topic", t)
                    .description("records sent to a dead-letter topic")
                    .register(registry))
        .increment();
  }

  public long swapCount() {
    return (long) swaps.count();
  }

  public long rejectedCount() {
    return (long) rejected.values().stream().mapToDouble(Counter::count).sum();
  }

  public long rejectedCount(String reason) {
    Counter c = rejected.get(reason);
    return c == null ? 0 : (long) c.count();
  }

  public long predictionCount() {
    return total.get();
  }

  public long deadLetterCount() {
    return (long) deadLetters.values().stream().mapToDouble(Counter::count).sum();
  }

  /** Mean swap time in ms (verify + restore + re-enroll), NaN before the first swap. */
  public double meanSwapMs() {
    return swapTime.count() == 0
        ? Double.NaN
        : swapTime.mean(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Mean and max event-to-publish latency of Kafka predictions, ms. */
  public double meanLatencyMs() {
    return latency.mean(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public double maxLatencyMs() {
    return latency.max(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Mean predictBatch wall time, ms, and mean micro-batch size. */
  public double meanBatchPredictMs() {
    return batchPredict.mean(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public double meanBatchSize() {
    return batchSize.mean();
  }

  public double maxSwapMs() {
    return swapTime.max(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  private synchronized void mark(int n) {
    total.addAndGet(n);
    long now = System.currentTimeMillis();
    window.addLast(new long[] {now, n});
    trim(now);
  }

  private synchronized double ratePerSecond() {
    long now = System.currentTimeMillis();
    trim(now);
    long sum = 0;
    for (long[] e : window) sum += e[1];
    return sum / 10.0;
  }

  private void trim(long now) {
    while (!window.isEmpty() && window.peekFirst()[0] < now - 10_000) window.removeFirst();
  }
}
