package io.streamalign.app;

import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code streamalign serve} command: the serving service until Ctrl-C. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serves the newest model snapshot: hot swap, predictions to the predictions topic, few-shot enrollment, HTTP.")
final class ServeCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Mixin HttpOptions http;

  @Spec CommandSpec spec;

  @Option(
      names = "--model-name",
      defaultValue = "streamalign",
      description = "Model to serve (default ${DEFAULT-VALUE}).")
  String modelName;

  @Option(names = "--all-snapshots", description = "Follow every snapshot, not only promoted ones.")
  boolean allSnapshots;

  @Option(
      names = "--batch-size",
      defaultValue = "64",
      description = "Prediction micro-batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--batch-max-wait-ms",
      defaultValue = "5",
      description = "Longest wait to fill a micro-batch (default ${DEFAULT-VALUE}).")
  long batchMaxWaitMs;

  @Option(
      names = "--top-k",
      defaultValue = "3",
      description = "Scores per prediction (default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--http-port",
      defaultValue = "8081",
      description =
          "Port of POST /predict, /model, /health, /metrics; 0 = off (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = {"--http-host", "--http-bind"},
      defaultValue = "127.0.0.1",
      description =
          "Address the HTTP server binds (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 = every interface).")
  String httpBind;

  @Option(
      names = "--json-mirror",
      description =
          "Also publish every prediction as a JSON object to <prefix>predictions.json, for kcat and jq (created if missing).")
  boolean jsonMirror;

  @Option(
      names = "--application-id",
      description =
          "Consumer group / transactional id base shared by instances that split the partitions.")
  String applicationId;

  @Option(
      names = "--instance-id",
      description =
          "Stable id of this instance (transactional.id suffix and static group "
              + "membership: a restarted instance takes its partitions back at once); unique per live instance. "
              + "Default: STREAMALIGN_SERVING_INSTANCE_ID, else random per start.")
  String instanceId;

  @Option(
      names = "--snapshot-key-file",
      paramLabel = "FILE",
      description =
          "Serve only snapshots signed with the key in FILE (HMAC-SHA256); default: "
              + "STREAMALIGN_SNAPSHOT_KEY_FILE or STREAMALIGN_SNAPSHOT_KEY, else signatures are not checked.")
  java.nio.file.Path snapshotKeyFile;

  ServingConfig config() {
    ServingConfig.Builder b =
        ServingConfig.builder(kafka.settings())
            .setModelName(modelName)
            .optPromotedOnly(!allSnapshots)
            .optBatchSize(batchSize)
            .optBatchMaxWait(Duration.ofMillis(batchMaxWaitMs))
            .optTopK(topK)
            .optHttpPort(httpPort)
            .optHttpHost(httpBind)
            .optJsonMirror(jsonMirror)
            .optHttpToken(http.token().orElse(null));
    if (applicationId != null) b.optApplicationId(applicationId);
    String instance =
        instanceId != null ? instanceId : System.getenv("STREAMALIGN_SERVING_INSTANCE_ID");
    if (instance != null && !instance.isBlank()) b.optInstanceId(instance.trim());
    if (snapshotKeyFile != null)
      b.optSnapshotKey(io.streamalign.records.SnapshotKey.fromFile(snapshotKeyFile));
    return b.build();
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (ServingService serving = ServingService.withCrossModalLearner(config())) {
      serving.start();
      Services.println(
          out,
          "serving '"
              + modelName
              + "' against "
              + kafka.bootstrapServers()
              + (serving.httpPort().isPresent()
                  ? "; http://" + httpBind + ":" + serving.httpPort().getAsInt() + "/model"
                  : "")
              + " (Ctrl-C stops it)");
      Services.awaitShutdown(0, serving::stop);
      return 0;
    }
  }
}
