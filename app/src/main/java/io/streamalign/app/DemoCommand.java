package io.streamalign.app;

import io.streamalign.app.dashboard.DashboardState;
import io.streamalign.app.dashboard.RunReport;
import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.pairing.PairingConfig;
import io.streamalign.ingest.source.AvMnistSource;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.Sources;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.StepReport;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.TopicAdmin;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code streamalign demo} command: an embedded KRaft broker (unless {@code
 * --bootstrap-servers} is given) and the whole pipeline in one process ({@link DemoPipeline}: a
 * live source, the pairing application, the trainer, the serving service, and the dashboard,
 * talking only through Kafka). A console line updates in place; at the end a report folder
 * (Markdown + PNG plots) is written.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Runs the whole pipeline on one machine: embedded broker (unless --bootstrap-servers is given), "
            + "a live audio-visual source, pairing, online training, serving, and a live dashboard.")
final class DemoCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Spec CommandSpec spec;

  @Option(
      names = "--duration",
      description = "Stop after this many seconds (default: until Ctrl-C).")
  Long durationSeconds;

  @Option(
      names = "--source",
      defaultValue = "synthetic",
      description = "synthetic (no data needed) or avmnist (default ${DEFAULT-VALUE}).")
  String source;

  @Option(
      names = "--data-dir",
      description =
          "Data directory for --source avmnist (default STREAMALIGN_DATA_DIR or ../shared/data).")
  Path dataDir;

  @Option(
      names = "--rate",
      defaultValue = "8",
      description = "Moments per second per stream (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--streams",
      defaultValue = "4",
      description = "Live streams (default ${DEFAULT-VALUE}).")
  int streams;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Dashboard port; 0 = any free port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--http-host",
      defaultValue = "127.0.0.1",
      description = "Address the dashboard binds (default ${DEFAULT-VALUE}: this machine only).")
  String httpHost;

  @Mixin HttpOptions http;

  @Option(names = "--headless", description = "No dashboard server (the report is still written).")
  boolean headless;

  @Option(
      names = "--partitions",
      defaultValue = "2",
      description = "Partitions per topic on the embedded broker (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--snapshot-every-samples",
      defaultValue = "256",
      description = "Trainer snapshot interval in samples (default ${DEFAULT-VALUE}).")
  long snapshotEverySamples;

  @Option(
      names = "--snapshot-every-seconds",
      defaultValue = "5",
      description = "... or in seconds (default ${DEFAULT-VALUE}).")
  long snapshotEverySeconds;

  @Option(
      names = "--report-dir",
      description = "Where the report goes (default reports/demo-<time>).")
  Path reportDir;

  @Option(names = "--device", description = "Learner device: auto, cpu or gpu (default auto).")
  String device;

  @Option(
      names = "--model-name",
      defaultValue = "demo",
      description = "Model name (default ${DEFAULT-VALUE}).")
  String modelName;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedKafkaBroker broker = null;
    long started = System.currentTimeMillis();
    try {
      KafkaSettings settings;
      if (kafka.bootstrapServersGiven()) {
        settings = kafka.settings();
        try (Admin admin = Admin.create(settings.clientProperties())) {
          TopicAdmin.createAll(admin, settings.topics(), partitions, (short) 1);
        }
        status(out, "using Kafka at " + settings.bootstrapServers());
      } else {
        status(out, "starting an embedded Kafka broker (KRaft) ...");
        broker = EmbeddedKafkaBroker.builder().optPort(0).start();
        broker.createTopics(kafka.topics(), partitions);
        kafka.useBootstrapServers(broker.bootstrapServers());
        settings = kafka.settings();
        status(out, "embedded broker at " + broker.bootstrapServers());
      }
      try (DemoPipeline pipeline = new DemoPipeline(parts(settings)).start()) {
        return run(out, pipeline, settings, started);
      }
    } finally {
      if (broker != null) broker.close();
    }
  }

  /**
   * The learner's settings for a source: the synthetic scenes' shapes drift across the frame, so
   * their video is encoded with global max pooling (README, "The learner": with the flattened-map
   * encoder of the digit data, video alone stayed near chance on this stream), and the Reptile
   * inner loop takes 5 steps (CroMA's meta-learning; on this stream every modality alone and fused
   * gained, the paired differences' 95% CIs over 4 seeds above 0: README, "The learner") with an
   * outer step of 0.5 (Reptile's epsilon, CroMA Algorithm 1; while classes are being added, video
   * and text alone gained about 0.19 over 0.1, same protocol); AvMNIST's digits are centred, and
   * keep the defaults.
   */
  static List<String> learnerFor(String source) {
    return "synthetic".equals(source)
        ? List.of("videoEncoder=" + LearnerConfig.VIDEO_MAXPOOL, "innerSteps=5", "metaStepSize=0.5")
        : List.of();
  }

  /** The demo's services as configured by the options. */
  private DemoPipeline.Parts parts(KafkaSettings settings) {
    PairingConfig pairing =
        PairingConfig.defaults()
            .withApplicationId("streamalign-demo-pairing")
            // the live source tags frame and chunk of a moment alike and sends its label with them:
            // short windows keep the event-to-prediction latency low
            .withJoin(Duration.ofMillis(500), Duration.ofMillis(500))
            .withLabelGrace(Duration.ofMillis(250))
            .withRouteAllToInfer(true)
            .withEmitUnpaired(true);
    TrainerConfig trainer =
        TrainerConfig.builder()
            .setModelName(modelName)
            .setKafka(settings)
            .optLearnerConfig(Services.learnerConfig(learnerFor(source), device))
            .optBatchSize(32)
            .optBatchMaxWait(Duration.ofMillis(300))
            .optSnapshotEverySamples(snapshotEverySamples)
            .optSnapshotEvery(Duration.ofSeconds(snapshotEverySeconds))
            .optMetricsPort(0)
            .build();
    ServingConfig serving =
        ServingConfig.builder(settings)
            .setModelName(modelName)
            .optPromotedOnly(false)
            .optHttpPort(0)
            .optApplicationId("streamalign-demo-serving")
            .optJsonMirror(true) // av.predictions.json: kcat -C -t av.predictions.json | jq
            .build();
    SourceOptions opts =
        SourceOptions.defaults(source).withRate(rate).withStreams(streams).withLoop(true);
    return new DemoPipeline.Parts(
        settings,
        pairing,
        trainer,
        serving,
        headless ? Optional.empty() : Optional.of(http.settings(httpHost, port)),
        producer ->
            Sources.create(
                source, producer, opts, Optional.ofNullable(dataDir), AvMnistSource.Split.TRAIN));
  }

  private int run(PrintWriter out, DemoPipeline pipeline, KafkaSettings settings, long started)
      throws Exception {
    TrainerService trainer = pipeline.trainer();
    DashboardState state = pipeline.state();
    pipeline
        .server()
        .ifPresent(
            server -> {
              status(out, "dashboard: " + server.url());
              status(
                  out,
                  "capture page (teach it with your camera and microphone): "
                      + server.captureUrl()
                      + (server.token().isPresent()
                          ? "  (enter the bearer token on the page)"
                          : ""));
            });
    status(
        out,
        "running "
            + source
            + " with "
            + streams
            + " streams at "
            + rate
            + "/s each"
            + (durationSeconds == null ? "; Ctrl-C stops" : " for " + durationSeconds + " s"));

    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "streamalign-demo-console");
              t.setDaemon(true);
              return t;
            });
    long[] last = {0, System.nanoTime()};
    ticker.scheduleAtFixedRate(
        () -> out(out, trainer, pipeline.serving(), state, last), 1, 1, TimeUnit.SECONDS);
    try {
      Services.awaitShutdown(durationSeconds == null ? 0 : durationSeconds * 1000, null, () -> {});
    } finally {
      ticker.shutdownNow();
    }
    out.println();
    status(out, "stopping ...");
    // the last samples reach the trainer, a final snapshot, served
    pipeline.drain(Duration.ofSeconds(15));
    Map<String, String> info = new LinkedHashMap<>();
    info.put("source", source);
    info.put("streams x rate", streams + " x " + rate + "/s");
    info.put("duration (s)", String.valueOf((System.currentTimeMillis() - started) / 1000));
    info.put("bootstrap servers", settings.bootstrapServers());
    info.put(
        "machine",
        Runtime.getRuntime().availableProcessors()
            + " cores, "
            + System.getProperty("os.name")
            + ", Java "
            + System.getProperty("java.version"));
    info.put("moments sent", String.valueOf(pipeline.source().progress().moments()));
    info.put("trainer failure", trainer.failure().map(Throwable::toString).orElse("none"));
    Path dir =
        reportDir != null
            ? reportDir
            : Path.of(
                "reports",
                "demo-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Path report = RunReport.write(state, dir, info);
    status(out, "report: " + report.toAbsolutePath());
    return trainer.failure().isPresent() ? 1 : 0;
  }

  private static void status(PrintWriter out, String s) {
    out.println("[demo] " + s);
    out.flush();
  }

  private static void out(
      PrintWriter out,
      TrainerService trainer,
      ServingService serving,
      DashboardState state,
      long[] last) {
    try {
      long now = System.nanoTime();
      long seen = trainer.samplesSeen();
      double sps = (seen - last[0]) / ((now - last[1]) / 1e9);
      last[0] = seen;
      last[1] = now;
      StringBuilder acc = new StringBuilder();
      Optional<StepReport> r = trainer.lastReport();
      r.ifPresent(
          rep ->
              rep.prequentialAccuracy()
                  .forEach(
                      (k, v) ->
                          acc.append(' ')
                              .append(k.toLowerCase(Locale.ROOT))
                              .append(' ')
                              .append(String.format(Locale.ROOT, "%.2f", v))));
      String rho =
          r.map(
                  rep ->
                      Double.isFinite(rep.rho())
                          ? String.format(Locale.ROOT, "%.2f", rep.rho())
                          : "-")
              .orElse("-");
      out.printf(
          Locale.ROOT,
          "\r%,d samples  %.0f/s  acc:%s  rho %s  model v%d (served v%d)  %,d predictions  latency p50/p99 %s/%s ms   ",
          seen,
          Math.max(0, sps),
          acc.length() == 0 ? " -" : acc.toString(),
          rho,
          trainer.version(),
          serving.modelVersion(),
          state.predictionCount(),
          fmt(state.latencyPercentile(50)),
          fmt(state.latencyPercentile(99)));
      out.flush();
    } catch (RuntimeException e) {
      // the console line is best effort
    }
  }

  private static String fmt(double d) {
    return Double.isFinite(d) ? String.valueOf((long) d) : "-";
  }
}
