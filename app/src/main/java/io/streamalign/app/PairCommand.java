package io.streamalign.app;

import io.streamalign.ingest.pairing.InputRules;
import io.streamalign.ingest.pairing.PairingApp;
import io.streamalign.ingest.pairing.PairingConfig;
import io.streamalign.ingest.pairing.StateDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code streamalign pair} command: the Kafka Streams pairing application until Ctrl-C. */
@Command(
    name = "pair",
    mixinStandardHelpOptions = true,
    description =
        "Runs the pairing application: joins video, audio, text and labels by stream into featurized paired samples.")
final class PairCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Option(
      names = "--application-id",
      defaultValue = PairingConfig.DEFAULT_APPLICATION_ID,
      description = "Kafka Streams application id (default ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(
      names = "--join-window-ms",
      defaultValue = "1000",
      description = "Video-audio join window (default ${DEFAULT-VALUE}).")
  long joinWindowMs;

  @Option(
      names = "--grace-ms",
      defaultValue = "2000",
      description = "Grace period for late events (default ${DEFAULT-VALUE}).")
  long graceMs;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "Base directory of the Kafka Streams state, kept in DIR/cluster-<cluster id> so a new broker "
              + "never meets old state (default: $"
              + StateDirectory.ENV
              + ", else ~/.streamalign/streams).")
  Path stateDir;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Stream threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--no-infer", description = "Do not route unlabeled samples to the infer topic.")
  boolean noInfer;

  @Option(
      names = "--emit-unpaired",
      description =
          "Also emit single-modality samples for frames or audio chunks left without a partner (camera-only or microphone-only streams).")
  boolean emitUnpaired;

  @Option(
      names = "--infer-all",
      description =
          "Route every sample to the infer topic, labeled or not (predictions beside the true label).")
  boolean inferAll;

  @Option(
      names = "--max-future-skew-ms",
      defaultValue = "300000",
      description =
          "Largest distance an event time may lie "
              + "ahead of its record's timestamp or the wall clock; a record further ahead is dead-lettered (default ${DEFAULT-VALUE}, "
              + "see docs/producing.md).")
  long maxFutureSkewMs;

  InputRules rules() {
    return InputRules.defaults().withMaxFutureSkew(Duration.ofMillis(maxFutureSkewMs));
  }

  PairingConfig config() {
    return PairingConfig.defaults()
        .withApplicationId(applicationId)
        .withJoin(Duration.ofMillis(joinWindowMs), Duration.ofMillis(graceMs))
        .withStreamThreads(threads)
        .withRouteUnlabeledToInfer(!noInfer)
        .withRouteAllToInfer(inferAll)
        .withEmitUnpaired(emitUnpaired);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    java.util.Properties props = kafka.clientProperties();
    Path state =
        StateDirectory.resolve(
            StateDirectory.base(stateDir, System.getenv()), props, Duration.ofSeconds(60));
    props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, state.toString());
    try (PairingApp app = new PairingApp(config(), rules(), props, kafka.topics())) {
      app.start();
      Services.println(
          out,
          "pairing '"
              + applicationId
              + "' running against "
              + kafka.bootstrapServers()
              + " (state in "
              + state
              + "; Ctrl-C stops it)");
      Services.awaitShutdown(0, () -> app.stop(Duration.ofSeconds(30)));
      return 0;
    }
  }
}
