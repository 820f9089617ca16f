package io.streamalign.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamalign.model.StepReport;
import io.streamalign.schemas.avro.TrainerMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer's Micrometer meters, in a Prometheus registry (scraped at {@code /metrics}); every
 * meter is tagged {@code model=<name>}.
 *
 * <p>Meters: {@code streamalign_trainer_samples_total} (rate = samples/s), {@code ..._step_seconds}
 * (learn step time), {@code ..._loss{loss=...}}, {@code ..._rho}, {@code ..._beta}, {@code
 * ..._gamma}, {@code ..._prequential_accuracy{modality=VIDEO|AUDIO|TEXT|FUSED}} (the learner's
 * cumulative test-then-train accuracy), {@code ..._prequential_window_accuracy} (the trainer's,
 * over the promotion window), {@code ..._consumer_lag}, {@code ..._pending_samples}, {@code
 * ..._paused}, {@code ..._snapshot_version}, {@code ..._snapshot_bytes}, {@code
 * ..._snapshots_total{promoted=}}, {@code ..._skipped_nonfinite}, {@code ..._drift_events_total},
 * {@code ..._dead_letters_total}.
 *
 * <p>The one metrics object of the trainer: the same values feed {@code /metrics}, {@code /health},
 * the service's status getters and the {@code TrainerMetrics} records published with each snapshot.
 * Thread-safe: gauges read atomics that the trainer's loop thread writes.
 */
public final class TrainerMeters implements AutoCloseable {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Tags tags;
  private final Counter samples;
  private final Timer step;
  private final Counter drift;
  private final Counter deadLetters;
  private final Counter promoted;
  private final Counter withheld;
  private final Map<String, AtomicDouble> losses = new ConcurrentHashMap<>();
  private final Map<String, AtomicDouble> accuracy = new ConcurrentHashMap<>();
  private final AtomicDouble rho = new AtomicDouble(Double.NaN);
  private final AtomicDouble beta = new AtomicDouble(Double.NaN);
  private final AtomicDouble gamma = new AtomicDouble(Double.NaN);
  private final AtomicDouble windowAccuracy = new AtomicDouble(Double.NaN);
  private final AtomicLong lag = new AtomicLong();
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong paused = new AtomicLong();
  private final AtomicLong snapshotVersion = new AtomicLong();
  private final AtomicLong snapshotBytes = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong samplesSeen = new AtomicLong();
  private final AtomicLong driftEvents = new AtomicLong();
  private final AtomicLong deadLetterCount = new AtomicLong();
  private final AtomicLong pauses = new AtomicLong();
  private final AtomicLong maxPending = new AtomicLong();
  private final AtomicLong rollbacks = new AtomicLong();
  private final AtomicLong lastProgressNanos = new AtomicLong(System.nanoTime());
  private final Counter rollbackCounter;
  private volatile StepReport lastReport;

  public TrainerMeters(String modelName) {
    this.tags = Tags.of("model", modelName);
    samples =
        Counter.builder("streamalign.trainer.samples")
            .description("Samples learned")
            .tags(tags)
            .register(registry);
    step =
        Timer.builder("streamalign.trainer.step")
            .description("Wall time of one learn step (micro-batch)")
            .tags(tags)
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    drift =
        Counter.builder("streamalign.trainer.drift.events")
            .description("Page-Hinkley drift detections")
            .tags(tags)
            .register(registry);
    deadLetters =
        Counter.builder("streamalign.trainer.dead.letters")
            .description("Input records sent to a dead-letter topic")
            .tags(tags)
            .register(registry);
    promoted =
        Counter.builder("streamalign.trainer.snapshots")
            .description("Snapshots published")
            .tags(tags)
            .tag("promoted", "true")
            .register(registry);
    withheld =
        Counter.builder("streamalign.trainer.snapshots")
            .description("Snapshots published")
            .tags(tags)
            .tag("promoted", "false")
            .register(registry);
    rollbackCounter =
        Counter.builder("streamalign.trainer.rollbacks")
            .description(
                "Times the learner was restored to its last committed snapshot after a fault")
            .tags(tags)
            .register(registry);
    gauge("streamalign.trainer.rho", "PMR imbalance ratio rho (PMR eq. 8)", rho);
    gauge("streamalign.trainer.beta", "PMR coefficient beta (PMR eq. 11)", beta);
    gauge("streamalign.trainer.gamma", "PMR coefficient gamma (PMR eq. 11)", gamma);
    gauge(
        "streamalign.trainer.prequential.window.accuracy",
        "Fused test-then-train accuracy over the recent window (the promotion gate's figure)",
        windowAccuracy);
    longGauge(
        "streamalign.trainer.consumer.lag",
        "Records not yet consumed on the assigned input partitions",
        lag);
    longGauge(
        "streamalign.trainer.pending.samples",
        "Samples buffered, waiting for a learn step",
        pending);
    longGauge(
        "streamalign.trainer.paused", "1 while input partitions are paused (backpressure)", paused);
    longGauge(
        "streamalign.trainer.snapshot.version",
        "Version of the last published snapshot",
        snapshotVersion);
    longGauge(
        "streamalign.trainer.snapshot.bytes",
        "Size of the last published snapshot's parameters",
        snapshotBytes);
    longGauge(
        "streamalign.trainer.skipped.nonfinite",
        "Updates skipped for a non-finite loss or gradient",
        skipped);
    longGauge(
        "streamalign.trainer.samples.seen",
        "Samples the model has learned from (restored included)",
        samplesSeen);
  }

  private void gauge(String name, String doc, AtomicDouble v) {
    Gauge.builder(name, v, AtomicDouble::get).description(doc).tags(tags).register(registry);
  }

  private void longGauge(String name, String doc, AtomicLong v) {
    Gauge.builder(name, v, AtomicLong::get).description(doc).tags(tags).register(registry);
  }

  /** Records one learn step. */
  public void onStep(StepReport r, long stepNanos) {
    samples.increment(r.samples());
    step.record(stepNanos, TimeUnit.NANOSECONDS);
    rho.set(r.rho());
    beta.set(r.beta());
    gamma.set(r.gamma());
    skipped.set(r.skippedNonFinite());
    samplesSeen.set(r.samplesSeen());
    lastReport = r;
    lastProgressNanos.set(System.nanoTime());
    if (r.losses() != null) {
      r.losses()
          .forEach(
              (name, value) ->
                  losses
                      .computeIfAbsent(
                          name,
                          n -> {
                            AtomicDouble holder = new AtomicDouble(Double.NaN);
                            Gauge.builder("streamalign.trainer.loss", holder, AtomicDouble::get)
                                .description("Loss of the last step")
                                .tags(tags)
                                .tag("loss", n)
                                .register(registry);
                            return holder;
                          })
                      .set(value == null ? Double.NaN : value));
    }
    if (r.prequentialAccuracy() != null) {
      r.prequentialAccuracy()
          .forEach(
              (m, value) ->
                  accuracy
                      .computeIfAbsent(
                          m,
                          n -> {
                            AtomicDouble holder = new AtomicDouble(Double.NaN);
                            Gauge.builder(
                                    "streamalign.trainer.prequential.accuracy",
                                    holder,
                                    AtomicDouble::get)
                                .description(
                                    "Cumulative test-then-train accuracy reported by the learner")
                                .tags(tags)
                                .tag("modality", n)
                                .register(registry);
                            return holder;
                          })
                      .set(value == null ? Double.NaN : value));
    }
  }

  public void setWindowAccuracy(double v) {
    windowAccuracy.set(v);
  }

  public void setLag(long v) {
    lag.set(v);
  }

  public void setPending(long v) {
    pending.set(v);
    maxPending.accumulateAndGet(v, Math::max);
  }

  public void setPaused(boolean p) {
    if (p && paused.get() == 0) pauses.incrementAndGet();
    paused.set(p ? 1 : 0);
  }

  public void setSamplesSeen(long v) {
    samplesSeen.set(v);
  }

  public void onDrift() {
    drift.increment();
    driftEvents.incrementAndGet();
  }

  public void onDeadLetter() {
    deadLetters.increment();
    deadLetterCount.incrementAndGet();
    progress();
  }

  /** The learner was rolled back to its last committed snapshot. */
  public void onRollback() {
    rollbackCounter.increment();
    rollbacks.incrementAndGet();
  }

  /** The loop made progress (learned, dead-lettered or committed); {@code /health} watches this. */
  public void progress() {
    lastProgressNanos.set(System.nanoTime());
  }

  /** A snapshot was published (or restored): its version, parameter bytes and promotion. */
  public void onSnapshot(long version, long bytes, boolean wasPromoted) {
    snapshotVersion.set(version);
    snapshotBytes.set(bytes);
    (wasPromoted ? promoted : withheld).increment();
    progress();
  }

  /** A snapshot was restored (at start or after a rollback): no new publication is counted. */
  public void onRestored(long version, long bytes, long seen) {
    snapshotVersion.set(version);
    snapshotBytes.set(bytes);
    samplesSeen.set(seen);
  }

  public long version() {
    return snapshotVersion.get();
  }

  public long samplesSeen() {
    return samplesSeen.get();
  }

  public long driftEvents() {
    return driftEvents.get();
  }

  public long deadLetters() {
    return deadLetterCount.get();
  }

  public long lag() {
    return lag.get();
  }

  public long pauses() {
    return pauses.get();
  }

  public int maxPendingSeen() {
    return (int) maxPending.get();
  }

  public long rollbacks() {
    return rollbacks.get();
  }

  public long snapshotBytes() {
    return snapshotBytes.get();
  }

  public double windowAccuracy() {
    return windowAccuracy.get();
  }

  public StepReport lastReport() {
    return lastReport;
  }

  /** Nanoseconds ({@link System#nanoTime}) of the loop's last progress. */
  public long lastProgressNanos() {
    return lastProgressNanos.get();
  }

  /** The {@code TrainerMetrics} record published with a snapshot. */
  public TrainerMetrics record(
      String modelName,
      long version,
      long timeMs,
      long seen,
      double samplesPerSec,
      long recordBytes) {
    Map<String, Double> acc = new TreeMap<>();
    Map<String, Double> lossValues = new TreeMap<>();
    StepReport r = lastReport;
    if (r != null) {
      if (r.prequentialAccuracy() != null)
        r.prequentialAccuracy()
            .forEach(
                (k, x) -> {
                  if (x != null) acc.put(k, x);
                });
      if (r.losses() != null)
        r.losses()
            .forEach(
                (k, x) -> {
                  if (x != null) lossValues.put(k, x);
                });
    }
    if (!Double.isNaN(windowAccuracy.get())) acc.put("window.FUSED", windowAccuracy.get());
    return TrainerMetrics.newBuilder()
        .setModelName(modelName)
        .setVersion(version)
        .setTimeMs(timeMs)
        .setSamplesSeen(seen)
        .setSamplesPerSec(samplesPerSec)
        .setPrequentialAccuracy(acc)
        .setRho(r == null ? Double.NaN : r.rho())
        .setBeta(r == null ? Double.NaN : r.beta())
        .setGamma(r == null ? Double.NaN : r.gamma())
        .setLosses(lossValues)
        .setSkippedNonFinite(r == null ? 0 : r.skippedNonFinite())
        .setDriftEvents(driftEvents.get())
        .setConsumerLag(lag.get())
        .setSnapshotBytes(recordBytes)
        .build();
  }

  /** The registry, e.g. to bind JVM meters. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    registry.close();
  }

  /** A double holder for gauges (Micrometer reads it on scrape). */
  static final class AtomicDouble {
    private final AtomicLong bits;

    AtomicDouble(double v) {
      bits = new AtomicLong(Double.doubleToRawLongBits(v));
    }

    double get() {
      return Double.longBitsToDouble(bits.get());
    }

    void set(double v) {
      bits.set(Double.doubleToRawLongBits(v));
    }
  }
}
