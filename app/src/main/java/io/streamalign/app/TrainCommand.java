package io.streamalign.app;

import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code streamalign train} command: the online trainer service until Ctrl-C. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Runs the online trainer: consumes paired samples, learns, and publishes model snapshots transactionally.")
final class TrainCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Option(
      names = "--model-name",
      defaultValue = "streamalign",
      description =
          "Model name: snapshot key, group and transactional id (default ${DEFAULT-VALUE}).")
  String modelName;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      description = "Micro-batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--batch-max-wait-ms",
      defaultValue = "500",
      description = "Longest wait to fill a micro-batch (default ${DEFAULT-VALUE}).")
  long batchMaxWaitMs;

  @Option(
      names = "--snapshot-every-samples",
      defaultValue = "2048",
      description = "Publish a snapshot every S samples (default ${DEFAULT-VALUE}).")
  long snapshotEverySamples;

  @Option(
      names = "--snapshot-every-seconds",
      defaultValue = "60",
      description = "... or every T seconds (default ${DEFAULT-VALUE}).")
  long snapshotEverySeconds;

  @Option(
      names = "--promotion-margin",
      defaultValue = "0.02",
      description = "Largest prequential accuracy drop still promoted (default ${DEFAULT-VALUE}).")
  double promotionMargin;

  @Option(
      names = "--metrics-port",
      defaultValue = "9464",
      description = "Port of /metrics and /health; 0 = off (default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = {"--metrics-bind", "--http-host"},
      defaultValue = "127.0.0.1",
      description =
          "Address the metrics server binds (default ${DEFAULT-VALUE}: this machine only).")
  String metricsBind;

  @Option(
      names = "--device",
      description = "Learner device: auto, cpu or gpu (default auto: GPU when DJL sees one).")
  String device;

  @Option(
      names = "--learner",
      paramLabel = "KEY=VALUE",
      split = ",",
      description = "Learner hyper-parameter overrides, e.g. --learner embeddingDim=64,pmrAlpha=2.")
  List<String> learner;

  @Option(
      names = "--snapshot-key-file",
      paramLabel = "FILE",
      description =
          "Sign snapshots with the key in FILE (HMAC-SHA256) and restore only validly signed ones; "
              + "default: STREAMALIGN_SNAPSHOT_KEY_FILE or STREAMALIGN_SNAPSHOT_KEY, else unsigned.")
  java.nio.file.Path snapshotKeyFile;

  TrainerConfig config() {
    return TrainerConfig.builder()
        .setModelName(modelName)
        .setKafka(kafka.settings())
        .optLearnerConfig(Services.learnerConfig(learner, device))
        .optBatchSize(batchSize)
        .optBatchMaxWait(Duration.ofMillis(batchMaxWaitMs))
        .optSnapshotEverySamples(snapshotEverySamples)
        .optSnapshotEvery(Duration.ofSeconds(snapshotEverySeconds))
        .optPromotionMargin(promotionMargin)
        .optMetricsPort(metricsPort)
        .optMetricsBindAddress(metricsBind)
        .optSnapshotKey(
            io.streamalign.records.SnapshotKey.configured(snapshotKeyFile, System.getenv())
                .orElse(null))
        .build();
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (TrainerService trainer = new TrainerService(config())) {
      trainer.start();
      Services.println(
          out,
          "trainer '"
              + modelName
              + "' running against "
              + kafka.bootstrapServers()
              + trainer
                  .metricsPort()
                  .map(p -> "; metrics http://" + metricsBind + ":" + p + "/metrics")
                  .orElse("")
              + " (Ctrl-C stops it after a final snapshot)");
      Services.awaitShutdown(0, () -> trainer.stop(Duration.ofSeconds(30)));
      return trainer.failure().isPresent() ? 1 : 0;
    }
  }
}
