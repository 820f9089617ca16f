package io.streamalign.app;

import io.streamalign.app.dashboard.CaptureApi;
import io.streamalign.app.dashboard.DashboardFeed;
import io.streamalign.app.dashboard.DashboardServer;
import io.streamalign.app.dashboard.DashboardState;
import io.streamalign.app.dashboard.Enroller;
import io.streamalign.http.HttpSettings;
import io.streamalign.ingest.pairing.PairingApp;
import io.streamalign.ingest.pairing.PairingConfig;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.source.Source;
import io.streamalign.ingest.source.live.LiveCapture;
import io.streamalign.ingest.source.live.LiveLimits;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import io.streamalign.trainer.TrainerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The demo's services wired together in one process, talking only through Kafka: dashboard feed and
 * (unless headless) dashboard server with the capture page, the pairing application, the trainer,
 * serving, and a live source. {@link #start} starts them in data-flow order and waits until each is
 * ready (pairing RUNNING, trainer RUNNING) before starting the next, so the source never produces
 * into a pipeline that is not listening; {@link #drain} waits until what was produced has been
 * learned instead of sleeping; {@link #close} closes in reverse order.
 *
 * <p>The broker is not part of the pipeline: {@code streamalign demo} starts an embedded one (or
 * uses {@code --bootstrap-servers}) and passes its settings in.
 */
final class DemoPipeline implements AutoCloseable {

  /** What a demo run is made of; the command builds it from its options. */
  record Parts(
      KafkaSettings settings,
      PairingConfig pairing,
      TrainerConfig trainer,
      ServingConfig serving,
      Optional<HttpSettings> dashboard,
      SourceFactory source) {}

  /** Makes the live source once the producer exists. */
  @FunctionalInterface
  interface SourceFactory {
    Source create(AvProducer producer);
  }

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  private final Parts parts;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final DashboardState state = new DashboardState();
  private AvProducer producer;
  private DashboardServer server;
  private PairingApp pairing;
  private TrainerService trainer;
  private ServingService serving;
  private Source source;

  DemoPipeline(Parts parts) {
    this.parts = parts;
  }

  /** Starts every service in data-flow order, each once the one before it is ready. */
  DemoPipeline start() throws Exception {
    KafkaSettings settings = parts.settings();
    open.add(new DashboardFeed(settings.clientProperties(), settings.topics(), state).start());
    // one producer for the live source and the capture page: the producer of `streamalign ingest`
    producer = new AvProducer(settings, settings.topics());
    open.add(producer);
    if (parts.dashboard().isPresent()) {
      Enroller enroller = new Enroller(settings.clientProperties(), settings.topics());
      open.add(enroller);
      LiveCapture capture = new LiveCapture(producer, LiveLimits.defaults());
      server =
          new DashboardServer(parts.dashboard().get(), state)
              .withEnroller(enroller)
              .withCapture(new CaptureApi(capture, state, enroller))
              .start();
      open.add(server);
    }

    // Kafka Streams keeps local state per application id; a demo run gets its own directory so
    // that runs (and a second demo on the same machine) never share or inherit state.
    Path stateDir = Files.createTempDirectory("streamalign-demo-streams");
    open.add(() -> ChaosCommand.deleteRecursively(stateDir));
    Properties pairingProps = settings.clientProperties();
    pairingProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    pairing = new PairingApp(parts.pairing(), pairingProps, settings.topics());
    open.add(pairing);
    pairing.start();
    require(
        pairing.awaitRunning(READY_TIMEOUT),
        "pairing did not reach RUNNING within " + READY_TIMEOUT);

    trainer = new TrainerService(parts.trainer());
    open.add(trainer);
    trainer.start(); // returns RUNNING (restored, fenced, limits checked) or throws

    serving = ServingService.withCrossModalLearner(parts.serving());
    open.add(serving);
    serving
        .start(); // subscribes once the trainer's first snapshot is served; reads what came before
    // it

    source = parts.source().create(producer);
    open.add(source);
    source.start();
    return this;
  }

  /**
   * Stops the source and waits until the trainer has taken in everything produced (no lag left and
   * no new sample for a second, at most {@code timeout}), then stops the trainer, which publishes a
   * final snapshot, and waits (at most {@code timeout} again) until serving serves it.
   */
  void drain(Duration timeout) throws InterruptedException {
    source.stop();
    producer.flush();
    long[] last = {-1, System.nanoTime()};
    await(
        timeout,
        () -> {
          long seen = trainer.samplesSeen();
          if (seen != last[0]) {
            last[0] = seen;
            last[1] = System.nanoTime();
            return false;
          }
          return trainer.consumerLag() == 0 && System.nanoTime() - last[1] >= 1_000_000_000L;
        });
    trainer.stop(Duration.ofSeconds(30));
    if (trainer.state() == TrainerState.STOPPED) {
      await(timeout, () -> serving.modelVersion() >= trainer.version());
    }
  }

  DashboardState state() {
    return state;
  }

  Optional<DashboardServer> server() {
    return Optional.ofNullable(server);
  }

  TrainerService trainer() {
    return trainer;
  }

  ServingService serving() {
    return serving;
  }

  Source source() {
    return source;
  }

  /**
   * Closes every started service in reverse order; one that fails to close does not keep the others
   * open.
   */
  @Override
  public void close() {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
    open.clear();
  }

  private static void await(Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(100);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalStateException(message);
  }
}
