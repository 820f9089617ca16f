package io.streamalign.app;

import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The {@code streamalign serve} command: the serving service until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the newest model snapshot: hot swap, predictions to the predictions topic, few-shot enrollment, HTTP.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(names = "--model-name", defaultValue = "streamalign", description = "Model to serve (default ${DEFAULT-VALUE}).")
    String modelName;

    @Option(names = "--all-snapshots", description = "Follow every snapshot, not only promoted ones.")
    boolean allSnapshots;

    @Option(names = "--batch-size", defaultValue = "64", description = "Prediction micro-batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batch-max-wait-ms", defaultValue = "5", description = "Longest wait to fill a micro-batch (default ${DEFAULT-VALUE}).")
    long batchMaxWaitMs;

    @Option(names = "--top-k", defaultValue = "3", description = "Scores per prediction (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--http-port", defaultValue = "8081", description = "Port of POST /predict, /model, /health, /metrics; 0 = off (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-bind", defaultValue = "127.0.0.1", description = "Address the HTTP server binds (default ${DEFAULT-VALUE}).")
    String httpBind;

    @Option(names = "--application-id", description = "Consumer group / transactional id base shared by instances that split the partitions.")
    String applicationId;

    @Option(names = "--instance-id", description = "Stable id of this instance (suffix of its transactional id; default: "
            + "STREAMALIGN_SERVING_INSTANCE_ID, else random per start). A restarted instance with the same id fences its "
            + "killed predecessor's open transaction at once instead of waiting for the transaction timeout.")
    String instanceId;

    ServingConfig config() {
        ServingConfig.Builder b = ServingConfig.builder(kafka.settings())
                .setModelName(modelName)
                .optPromotedOnly(!allSnapshots)
                .optBatchSize(batchSize)
                .optBatchMaxWait(Duration.ofMillis(batchMaxWaitMs))
                .optTopK(topK)
                .optHttpPort(httpPort)
                .optHttpHost(httpBind);
        if (applicationId != null) b.optApplicationId(applicationId);
        String instance = instanceId != null ? instanceId : System.getenv("STREAMALIGN_SERVING_INSTANCE_ID");
        if (instance != null && !instance.isBlank()) b.optInstanceId(instance.trim());
        return b.build();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ServingService serving = ServingService.withCrossModalLearner(config())) {
            serving.start();
            Services.println(out, "serving '" + modelName + "' against " + kafka.bootstrapServers()
                    + (serving.httpPort().isPresent() ? "; http://" + httpBind + ":" + serving.httpPort().getAsInt() + "/model" : "")
                    + " (Ctrl-C stops it)");
            Services.awaitShutdown(0, serving::stop);
            return 0;
        }
    }
}
