package io.streamalign.bench;

import io.streamalign.model.LearnerConfig;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Trainer and serving running together for {@code --duration} on one broker (training records and
 * inference records fed at fixed rates, the trainer's snapshots hot-swapped into serving), sampling
 * process RSS, heap used after a GC, and native memory (RSS minus committed JVM heap and non-heap)
 * every few seconds. Growth is the end of the run against the end of the warm-up (its baseline),
 * each taken as the median of a window of samples ({@link Growth}), and the least-squares slope
 * after warm-up.
 */
public final class SoakBench implements Scenario {

  static final String MODEL = "bench-soak";

  @Override
  public String name() {
    return "soak";
  }

  record Mem(double seconds, double rssMb, double heapMb, double nativeMb, long learned) {}

  /**
   * RSS above which the soak stops early (MB): {@code streamalign.bench.soak.max.rss.mb}, else 30%
   * of the machine's memory, at most 7 GB.
   */
  static double maxRssMb() {
    Long prop = Long.getLong("streamalign.bench.soak.max.rss.mb");
    if (prop != null) return prop;
    double total = Double.NaN;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) total = Long.parseLong(l.replaceAll("\\D", "")) / 1024.0;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Double.isFinite(total) ? Math.min(7168, 0.3 * total) : 7168;
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    Duration duration = opts.durationOr(Duration.ofSeconds(60), Duration.ofMinutes(30));
    double warmFraction = 0.4;
    double maxRssMb = maxRssMb();
    double stoppedAt = Double.NaN;
    double stoppedRss = Double.NaN;
    long sampleEveryMs = Math.max(1000, Math.min(30_000, duration.toMillis() / 20));
    double trainRate = opts.pick(30, 60);
    double inferRate = opts.pick(50, 100);
    BenchData data = BenchData.load(opts.pick(256, 2048));
    LearnerConfig cfg = LearnerConfig.defaults().with("device", opts.device());
    List<Mem> samples = new ArrayList<>();
    AtomicLong predictions = new AtomicLong();
    long learned;
    long versions;
    try (BenchKafka kafka = new BenchKafka(2)) {
      TrainerConfig tc =
          TrainerConfig.builder()
              .setModelName(MODEL)
              .setKafka(kafka.settings())
              .optLearnerConfig(cfg)
              .optBatchSize(32)
              .optBatchMaxWait(Duration.ofMillis(200))
              .optSnapshotEverySamples(opts.pick(128, 1024))
              .optSnapshotEvery(Duration.ofSeconds(opts.pick(10, 60)))
              .build();
      ServingConfig sc =
          ServingConfig.builder(kafka.settings())
              .setModelName(MODEL)
              .optPromotedOnly(false)
              .optHttpPort(0)
              .optApplicationId("bench-soak-serving")
              .build();
      var pairedSer = kafka.topics.paired().valueSerde().serializer();
      var inferSer = kafka.topics.infer().valueSerde().serializer();
      AtomicBoolean feeding = new AtomicBoolean(true);
      try (var producer = kafka.producer();
          TrainerService trainer = new TrainerService(tc);
          ServingService serving = ServingService.withCrossModalLearner(sc);
          BenchKafka.Tail tail =
              kafka.tail(
                  kafka.topics.predictions().name(),
                  true,
                  (r, now) -> predictions.incrementAndGet())) {
        trainer.start();
        serving.start();
        Thread feeder =
            new Thread(
                () -> {
                  long t0 = System.nanoTime();
                  long nTrain = 0;
                  long nInfer = 0;
                  List<PairedSample> src = data.samples();
                  while (feeding.get()) {
                    double elapsed = (System.nanoTime() - t0) / 1e9;
                    while (nTrain < elapsed * trainRate) {
                      PairedSample s =
                          PairedSample.newBuilder(src.get((int) (nTrain % src.size())))
                              .setSampleId("t" + nTrain)
                              .build();
                      producer.send(
                          new ProducerRecord<>(
                              kafka.topics.paired().name(),
                              s.getStreamId(),
                              pairedSer.serialize(kafka.topics.paired().name(), s)));
                      nTrain++;
                    }
                    while (nInfer < elapsed * inferRate) {
                      PairedSample s =
                          PairedSample.newBuilder(src.get((int) (nInfer % src.size())))
                              .setSampleId("i" + nInfer)
                              .setLabel(null)
                              .setLabeledModalities(List.of())
                              .build();
                      producer.send(
                          new ProducerRecord<>(
                              kafka.topics.infer().name(),
                              s.getStreamId(),
                              inferSer.serialize(kafka.topics.infer().name(), s)));
                      nInfer++;
                    }
                    try {
                      Thread.sleep(5);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                },
                "bench-soak-feeder");
        feeder.start();
        long t0 = System.nanoTime();
        long end = t0 + duration.toNanos();
        try {
          long nextSample = t0;
          while (System.nanoTime() < end) {
            if (trainer.state().isTerminal()) {
              throw new IllegalStateException(
                  "trainer stopped during the soak: "
                      + trainer.state()
                      + " "
                      + trainer.failure().map(Throwable::toString).orElse(""));
            }
            if (System.nanoTime() >= nextSample) {
              samples.add(sample((System.nanoTime() - t0) / 1e9, trainer.learnedSinceStart()));
              nextSample += sampleEveryMs * 1_000_000L;
            }
            // the guard: a leak must not take the shared machine down (the kernel's OOM killer
            // would end this run and maybe someone else's process)
            double rss = rssMb();
            if (rss > maxRssMb) {
              stoppedAt = (System.nanoTime() - t0) / 1e9;
              stoppedRss = rss;
              break;
            }
            Thread.sleep(Math.min(2000, sampleEveryMs));
          }
          samples.add(sample((System.nanoTime() - t0) / 1e9, trainer.learnedSinceStart()));
        } finally {
          feeding.set(false);
          feeder.join(10_000);
        }
        learned = trainer.learnedSinceStart();
        versions = serving.modelVersion();
      }
    }
    double ran = samples.get(samples.size() - 1).seconds();
    double warmEnd = Math.min(duration.toMillis() / 1000.0, ran) * warmFraction;
    List<Mem> after = samples.stream().filter(m -> m.seconds() >= warmEnd).toList();
    if (after.size() < 2)
      throw new IllegalStateException("too few memory samples after warm-up: " + samples.size());
    Mem base = after.get(0);
    Mem last = after.get(after.size() - 1);
    report.note("data: " + data.source());
    report.note(
        "duration "
            + duration.toSeconds()
            + " s, warm-up "
            + Math.round(warmEnd)
            + " s, memory sampled every "
            + sampleEveryMs
            + " ms ("
            + samples.size()
            + " samples); training "
            + (int) trainRate
            + "/s, inference "
            + (int) inferRate
            + "/s; trainer learned "
            + learned
            + " samples, serving reached model version "
            + versions
            + ", "
            + predictions.get()
            + " predictions");
    report.note(
        "native = RSS - committed JVM heap - committed non-heap (DJL's PyTorch CPU allocator exposes no "
            + "allocated-bytes counter, so RSS stands for native memory); heap is measured after System.gc()");
    report.note(
        "series (s, RSS MB, heap MB, native MB): "
            + samples.stream()
                .map(
                    m ->
                        String.format(
                            java.util.Locale.ROOT,
                            "%.0f/%.0f/%.0f/%.0f",
                            m.seconds(),
                            m.rssMb(),
                            m.heapMb(),
                            m.nativeMb()))
                .reduce((a, b) -> a + " " + b)
                .orElse(""));
    if (Double.isFinite(stoppedAt)) {
      report.note(
          String.format(
              java.util.Locale.ROOT,
              "STOPPED EARLY after %.0f s of the %d s asked: RSS reached %.0f MB, "
                  + "above the soak's guard of %.0f MB (30%% of the machine's memory, at most 7 GB; "
                  + "-Dstreamalign.bench.soak.max.rss.mb sets it); warm-up taken as 40%% of the time run",
              stoppedAt,
              duration.toSeconds(),
              stoppedRss,
              maxRssMb));
    }
    Growth g = Growth.of(after);
    report.note(
        String.format(
            java.util.Locale.ROOT,
            "growth is judged on windows, not single samples: the baseline is the "
                + "median of the first %d samples after warm-up (%.0f-%.0f s), the end the median of the last %d (%.0f-%.0f s); "
                + "the rates are least-squares slopes over all %d samples after warm-up. One sample is noisy: RSS swings by "
                + "hundreds of MB with libtorch's allocator, and the heap read after System.gc() includes what the running "
                + "trainer and serving threads allocate meanwhile",
            g.window(),
            after.get(0).seconds(),
            after.get(g.window() - 1).seconds(),
            g.window(),
            after.get(after.size() - g.window()).seconds(),
            last.seconds(),
            after.size()));
    report.add(
        Figure.of(
            "RSS growth after warm-up (slope)",
            g.rssSlopePerMin(),
            "MB/min",
            "heap growth after warm-up (slope)",
            g.heapSlopePerMin()));
    report.add(
        Figure.of(
            "native memory growth after warm-up (slope)",
            g.nativeSlopePerMin(),
            "MB/min",
            "heap growth after warm-up (slope)",
            g.heapSlopePerMin()));
    long steps = Math.max(1, (last.learned() - base.learned()) / 32);
    report.add(
        Figure.of(
            "native memory growth per 32 samples learned",
            g.nativeSlopePerMin() * g.minutes() / steps,
            "MB",
            "heap growth per 32 samples learned",
            g.heapSlopePerMin() * g.minutes() / steps));
    report.add(
        Figure.ratioAtMost(
            "RSS at end", g.end().rssMb(), "MB", "RSS after warm-up", g.start().rssMb(), 1.05));
    report.add(
        Figure.ratioAtMost(
            "heap used at end",
            g.end().heapMb(),
            "MB",
            "heap used after warm-up",
            g.start().heapMb(),
            1.05));
    report.add(
        Figure.ratioAtMost(
            "native memory at end",
            g.end().nativeMb(),
            "MB",
            "native memory after warm-up",
            g.start().nativeMb(),
            1.05));
  }

  /**
   * Memory growth over the samples after warm-up: {@code start} and {@code end} are per-series
   * medians of the first and the last {@code window} samples (window = a tenth of the samples, at
   * least 3 and at most half), the slopes least-squares fits in MB per minute.
   */
  record Growth(
      int window,
      Mem start,
      Mem end,
      double minutes,
      double rssSlopePerMin,
      double heapSlopePerMin,
      double nativeSlopePerMin) {

    static Growth of(List<Mem> after) {
      int n = after.size();
      if (n < 2) throw new IllegalArgumentException("need at least 2 samples, got " + n);
      int w = Math.max(1, Math.min(n / 2, Math.max(3, n / 10)));
      Mem start = median(after.subList(0, w));
      Mem end = median(after.subList(n - w, n));
      double minutes = (after.get(n - 1).seconds() - after.get(0).seconds()) / 60;
      return new Growth(
          w,
          start,
          end,
          minutes,
          slope(after, Mem::rssMb),
          slope(after, Mem::heapMb),
          slope(after, Mem::nativeMb));
    }

    static Mem median(List<Mem> ms) {
      return new Mem(
          median(ms, Mem::seconds),
          median(ms, Mem::rssMb),
          median(ms, Mem::heapMb),
          median(ms, Mem::nativeMb),
          (long) median(ms, m -> (double) m.learned()));
    }

    static double median(List<Mem> ms, java.util.function.ToDoubleFunction<Mem> f) {
      return Stats.median(ms.stream().mapToDouble(f).toArray());
    }

    /** Least-squares slope of f against time, per minute (0 when all samples share one time). */
    static double slope(List<Mem> ms, java.util.function.ToDoubleFunction<Mem> f) {
      double mt = ms.stream().mapToDouble(Mem::seconds).average().orElse(0);
      double my = ms.stream().mapToDouble(f).average().orElse(0);
      double sxy = 0;
      double sxx = 0;
      for (Mem m : ms) {
        double dt = m.seconds() - mt;
        sxy += dt * (f.applyAsDouble(m) - my);
        sxx += dt * dt;
      }
      return sxx == 0 ? 0 : 60 * sxy / sxx;
    }
  }

  static Mem sample(double seconds, long learned) {
    System.gc();
    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    double heapUsed = mx.getHeapMemoryUsage().getUsed() / 1048576.0;
    double heapCommitted = mx.getHeapMemoryUsage().getCommitted() / 1048576.0;
    double nonHeapCommitted = mx.getNonHeapMemoryUsage().getCommitted() / 1048576.0;
    double rss = rssMb();
    return new Mem(seconds, rss, heapUsed, rss - heapCommitted - nonHeapCommitted, learned);
  }

  /** VmRSS of this process from /proc/self/status (MB); NaN where there is no /proc. */
  static double rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) / 1024.0; // kB
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
