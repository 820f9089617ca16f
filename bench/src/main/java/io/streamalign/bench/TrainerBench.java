package io.streamalign.bench;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Sample;
import io.streamalign.model.StepReport;
import io.streamalign.records.SampleRecords;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The learner fed the same batches from memory (baseline) and through Kafka (PairedSample records
 * on {@code av.paired}, real Avro serde, {@link TrainerService} with transactional snapshots every
 * S samples). Throughput of each counts from the end of the first step (engine start-up excluded on
 * both paths) until every sample is learned.
 */
public final class TrainerBench implements Scenario {

  static final int BATCH = 32;

  @Override
  public String name() {
    return "trainer";
  }

  @Override
  public void run(BenchOptions opts, BenchReport report) throws Exception {
    int n = opts.pick(192, 1536);
    int snapshotEvery = opts.pick(64, 512);
    BenchData data = BenchData.load(n);
    LearnerConfig cfg = LearnerConfig.defaults().with("device", opts.device());
    report.note("data: " + data.source());
    report.note(
        n
            + " samples, batch "
            + BATCH
            + ", transactional snapshot every "
            + snapshotEvery
            + " samples; engine warmed on a throw-away learner first; the memory path runs on its own thread like the trainer's learner; throughput counted after the first step on both paths");

    // baseline: memory path, same samples, same batch size, same learner
    SampleRecords conv = new SampleRecords(cfg);
    List<Sample> samples = data.samples().stream().map(conv::toSample).toList();
    // the memory path runs on its own thread, as the trainer's learner does (not on the caller's
    // thread)
    java.util.concurrent.ExecutorService memThread =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "bench-memory-learner");
              t.setDaemon(true);
              return t;
            });
    List<Double> memSteps = new ArrayList<>();
    double memRate;
    try {
      memRate = memThread.submit(() -> memoryPath(cfg, samples, n, opts, memSteps)).get();
    } finally {
      memThread.shutdownNow();
    }

    // Kafka path
    List<Double> kafkaSteps = new ArrayList<>();
    double kafkaRate;
    long snapshots;
    try (BenchKafka kafka = new BenchKafka(2)) {
      Properties p = kafka.broker.clientProperties();
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
      var topic = kafka.topics.paired();
      try (KafkaProducer<String, PairedSample> producer =
          new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
        for (PairedSample s : data.samples())
          producer.send(new ProducerRecord<>(topic.name(), s.getStreamId(), s));
        producer.flush();
      }
      TrainerConfig tc =
          TrainerConfig.builder()
              .setModelName("bench-trainer")
              .setKafka(kafka.settings())
              .optLearnerConfig(cfg)
              .optBatchSize(BATCH)
              .optBatchMaxWait(Duration.ofMillis(200))
              .optSnapshotEverySamples(snapshotEvery)
              .optSnapshotEvery(Duration.ofMinutes(30))
              .build();
      try (TrainerService trainer = new TrainerService(tc)) {
        trainer.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(opts.pick(3, 30)).toNanos();
        Object last = null;
        long afterFirst = 0;
        long learnedAtFirst = 0;
        while (trainer.learnedSinceStart() < n) {
          if (trainer.state().isTerminal()) {
            throw new IllegalStateException(
                "trainer stopped: "
                    + trainer.state()
                    + " "
                    + trainer.failure().map(Throwable::toString).orElse(""));
          }
          if (System.nanoTime() > deadline)
            throw new IllegalStateException("trainer did not learn all " + n + " samples");
          var r = trainer.lastReport();
          if (r.isPresent() && r.get() != last) {
            if (last == null) {
              afterFirst = System.nanoTime();
              learnedAtFirst = trainer.learnedSinceStart();
            } else {
              kafkaSteps.add(r.get().stepMillis());
            }
            last = r.get();
          }
          Thread.sleep(1);
        }
        long end = System.nanoTime();
        kafkaRate = (n - learnedAtFirst) / ((end - afterFirst) / 1e9);
        snapshots = trainer.version();
      }
    }
    // order check: the memory path again, after the Kafka path (same samples, fresh learner); in
    // earlier
    // runs on the loaded machine the first memory pass was slower than the Kafka path that followed
    // it
    List<Double> memSteps2 = new ArrayList<>();
    double memRate2;
    java.util.concurrent.ExecutorService memThread2 =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "bench-memory-learner-2");
              t.setDaemon(true);
              return t;
            });
    try {
      memRate2 = memThread2.submit(() -> memoryPath(cfg, samples, n, opts, memSteps2)).get();
    } finally {
      memThread2.shutdownNow();
    }
    // step times on both paths are the learner's own StepReport.stepMillis
    report.add(
        Figure.ratioAtLeast(
            "kafka path throughput", kafkaRate, "samples/s", "memory path", memRate, 0.9));
    report.add(Figure.of("memory path throughput", memRate, "samples/s", "kafka path", kafkaRate));
    report.add(
        Figure.of(
            "memory path again, after the Kafka path (order check)",
            memRate2,
            "samples/s",
            "memory path, first pass",
            memRate));
    report.add(
        Figure.of(
            "kafka path throughput vs the mean of both memory passes",
            kafkaRate,
            "samples/s",
            "mean of both memory passes",
            (memRate + memRate2) / 2));
    for (double pc : new double[] {50, 95, 99}) {
      report.add(
          Figure.of(
              String.format("kafka path step time p%.0f", pc),
              Stats.percentile(kafkaSteps, pc),
              "ms",
              "memory path step p" + (int) pc,
              Stats.percentile(memSteps, pc)));
    }
    // where the step's time goes: JFR samples of the learning thread over memory-path steps
    TrainerProfile.Result prof =
        TrainerProfile.run(cfg, samples, BATCH, opts.pick(2, 6), opts.pick(6, 30));
    report.add(
        Figure.of(
            "profiled step time (mean, under JFR)",
            prof.meanStepMs(),
            "ms",
            "memory path step mean",
            Stats.mean(memSteps.stream().mapToDouble(Double::doubleValue).toArray())));
    report.section("Where the trainer step's time goes", TrainerProfile.markdown(prof, cfg, BATCH));
    report.attach("profile", prof);
    report.note(
        "trainer model version when the last sample was learned: "
            + snapshots
            + "; steps timed: memory "
            + memSteps.size()
            + ", kafka "
            + kafkaSteps.size());
  }

  private static double memoryPath(
      LearnerConfig cfg, List<Sample> samples, int n, BenchOptions opts, List<Double> memSteps) {
    // warm the engine and the JIT on a throw-away learner, so neither path pays for it
    try (CrossModalLearner warm = CrossModalLearner.create(cfg)) {
      for (int i = 0; i < opts.pick(3, 8); i++)
        warm.learn(samples.subList((i * BATCH) % (n - BATCH), (i * BATCH) % (n - BATCH) + BATCH));
    }
    try (CrossModalLearner learner = CrossModalLearner.create(cfg)) {
      long afterFirst = 0;
      for (int i = 0; i < n; i += BATCH) {
        long s0 = System.nanoTime();
        StepReport r = learner.learn(samples.subList(i, Math.min(n, i + BATCH)));
        long s1 = System.nanoTime();
        if (i == 0) afterFirst = s1;
        else memSteps.add(r.stepMillis()); // as the trainer reports it (StepReport.stepMillis)
        if (!Double.isFinite(r.stepMillis()))
          throw new IllegalStateException("non-finite step time");
      }
      return (n - BATCH) / ((System.nanoTime() - afterFirst) / 1e9);
    }
  }
}
