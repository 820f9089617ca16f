package io.streamalign.chaos;

import io.streamalign.schemas.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongUnaryOperator;

/**
 * Runs the chaos suite: starts the {@link Stack}, injects every fault of {@link ChaosOptions} in a
 * seeded random order at random points, waits after each for the services to recover, audits the
 * topics ({@link TopicAudit}) and prints one line per fault; at the end it stops the load, lets the
 * services drain, audits everything once more and prints the summary line {@code chaos: faults N,
 * lost L, learned-twice T, predictions-missing M, predictions-duplicated D, recovery-p99 S s}.
 *
 * <p>Recovery is measured from the fault to the first snapshot (trainer kill) or prediction
 * (serving kill) written after it, by its record timestamp; for a broker pause from SIGCONT, and
 * for a broker restart from the moment the restarted broker accepts clients, to the later of the
 * next snapshot and the next prediction.
 */
public final class ChaosSuite {

  /** Serving's consumer group (its default application id; the stack does not change it). */
  static final String SERVING_GROUP = "streamalign-serving";

  /** The pairing service's application id (its consumer group), as the stack starts it. */
  static final String PAIRING_GROUP = "streamalign-pairing";

  static final String MODEL = "streamalign";

  /** The outcome of a run. */
  public record Result(
      List<FaultResult> faults,
      TopicAudit.Counts end,
      long learnedTwiceMax,
      double recoveryP99Seconds,
      boolean recoveryGoalMet,
      List<String> problems,
      String summary) {

    /** Whether every count is 0, every fault recovered and the recovery goal is met. */
    public boolean passed() {
      return end.lost() == 0
          && learnedTwiceMax == 0
          && end.predictionsMissing() == 0
          && end.predictionsDuplicated() == 0
          && problems.isEmpty()
          && recoveryGoalMet;
    }
  }

  private final ChaosOptions options;
  private final PrintWriter out;
  private final Random random;
  private final Topics topics = Topics.defaults();
  private int brokerRestarts;

  public ChaosSuite(ChaosOptions options, PrintWriter out) {
    this.options = options;
    this.out = out;
    this.random = new Random(options.seed());
  }

  /** Runs the suite; every process it started is gone when this returns (or throws). */
  public Result run() {
    Instant started = Instant.now();
    List<Fault> schedule = schedule();
    try (Stack stack = new Stack(options)) {
      long t0 = System.currentTimeMillis();
      stack.startBroker();
      stack.startServices(true);
      try (TopicAudit audit =
          new TopicAudit(stack.clientProperties(), topics, MODEL, SERVING_GROUP)) {
        long up = awaitFlow(audit, t0, Duration.ofSeconds(600));
        if (up < 0) {
          throw new IllegalStateException(
              "no snapshot and prediction within 600 s of start; logs in "
                  + options.workDir().resolve("logs")
                  + "\n"
                  + String.join("\n", stack.deadServices())
                  + "\n"
                  + String.join("\n", stack.threadDeaths()));
        }
        say(
            String.format(
                Locale.ROOT,
                "chaos: stack up (broker %s, pair, train, serve, ingest %d streams x %d/s) "
                    + "in %.1f s; %d faults to inject; logs in %s",
                stack.bootstrapServers(),
                options.streams(),
                options.rate(),
                (up - t0) / 1000.0,
                schedule.size(),
                options.workDir().resolve("logs")));
        List<FaultResult> results = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long twiceMax = 0;
        for (int i = 0; i < schedule.size(); i++) {
          Stack.sleep(
              2000 + random.nextInt(8000)); // a random point in the trainer's and serving's cycles
          FaultResult r = inject(i + 1, schedule.get(i), stack, audit);
          results.add(r);
          twiceMax = Math.max(twiceMax, r.counts().learnedTwice());
          if (!r.recovered())
            problems.add("fault " + r.index() + " (" + r.fault().label() + ") did not recover");
          if (r.counts().badSnapshotOffsets() > 0)
            problems.add(
                "snapshots with empty or partial offsets: " + r.counts().badSnapshotOffsets());
          say(r.line(schedule.size()));
        }
        // the end: stop the load, let the services drain, audit everything
        stack.ingest().stop(Duration.ofSeconds(20));
        boolean drained =
            Drain.await(
                stack.clientProperties(), topics, PAIRING_GROUP, audit, Duration.ofSeconds(180));
        audit.refresh(Duration.ofSeconds(30));
        // drained: every paired sample and infer record is due; not drained: what is still queued
        // is a
        // backlog (reported as a problem), not a loss
        TopicAudit.Counts end = audit.check(drained);
        if (!drained) {
          TopicAudit.Counts all = audit.check(true);
          problems.add(
              String.format(
                  Locale.ROOT,
                  "not drained: %d paired samples after the last snapshot's "
                      + "offsets and %d infer records without a prediction were still queued",
                  Math.max(0, all.lost() - end.lost()),
                  Math.max(0, all.predictionsMissing() - end.predictionsMissing())));
        }
        twiceMax = Math.max(twiceMax, end.learnedTwice());
        if (!drained)
          problems.add(
              "the trainer and serving did not catch up within 180 s of the load stopping");
        if (end.badSnapshotOffsets() > 0
            && problems.stream().noneMatch(p -> p.startsWith("snapshots with"))) {
          problems.add("snapshots with empty or partial offsets: " + end.badSnapshotOffsets());
        }
        for (String dead : stack.deadServices()) problems.add(dead);
        for (String death : stack.threadDeaths()) problems.add("thread died: " + death);
        double p99 =
            percentile(results.stream().mapToLong(FaultResult::recoveryMs).sorted().toArray(), 0.99)
                / 1000.0;
        boolean goalMet = p99 <= options.recoveryGoal().toMillis() / 1000.0;
        say(
            String.format(
                Locale.ROOT,
                "chaos: end of run after %.0f s: %d paired samples, snapshot v%d samplesSeen %d, "
                    + "%d infer records, %d predictions%s",
                Duration.between(started, Instant.now()).toMillis() / 1000.0,
                end.pairedLearnable(),
                end.snapshotVersion(),
                end.samplesSeen(),
                end.inferRecords(),
                end.predictions(),
                drained ? "" : " (NOT drained)"));
        for (String p : problems) say("chaos: problem: " + p);
        if (!goalMet) {
          say(
              String.format(
                  Locale.ROOT,
                  "chaos: recovery p99 %.1f s is above the goal of %d s",
                  p99,
                  options.recoveryGoal().toSeconds()));
        }
        String summary =
            String.format(
                Locale.ROOT,
                "chaos: faults %d, lost %d, learned-twice %d, predictions-missing %d, predictions-duplicated %d, "
                    + "recovery-p99 %.1f s",
                results.size(),
                end.lost(),
                twiceMax,
                end.predictionsMissing(),
                end.predictionsDuplicated(),
                p99);
        Result result = new Result(results, end, twiceMax, p99, goalMet, problems, summary);
        if (options.reportFile() != null) {
          ReliabilityReport.write(options, result, started);
          say("chaos: wrote " + options.reportFile());
        }
        say(summary);
        return result;
      }
    } finally {
      ServiceProcess.killAll();
    }
  }

  /** The faults in a seeded random order. */
  List<Fault> schedule() {
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < options.trainerKills(); i++) faults.add(Fault.TRAINER_KILL);
    for (int i = 0; i < options.servingKills(); i++) faults.add(Fault.SERVING_KILL);
    for (int i = 0; i < options.pauses(); i++) faults.add(Fault.BROKER_PAUSE);
    for (int i = 0; i < options.brokerRestarts(); i++) faults.add(Fault.BROKER_RESTART);
    Collections.shuffle(faults, random);
    return faults;
  }

  private FaultResult inject(int index, Fault fault, Stack stack, TopicAudit audit) {
    String detail;
    long from;
    LongUnaryOperator recoveredAt;
    switch (fault) {
      case TRAINER_KILL -> {
        ServiceProcess train = stack.train();
        detail = "pid " + train.pid();
        from = System.currentTimeMillis();
        train.kill9();
        train.start();
        recoveredAt = audit::firstSnapshotAfter;
      }
      case SERVING_KILL -> {
        ServiceProcess serve = stack.serve();
        detail = "pid " + serve.pid();
        from = System.currentTimeMillis();
        serve.kill9();
        serve.start();
        recoveredAt = audit::firstPredictionAfter;
      }
      case BROKER_PAUSE -> {
        long min = options.pauseMin().toMillis();
        long pause = min + (long) (random.nextDouble() * (options.pauseMax().toMillis() - min));
        detail =
            String.format(Locale.ROOT, "SIGSTOP for %.0f s, recovery from SIGCONT", pause / 1000.0);
        stack.broker().pause();
        Stack.sleep(pause);
        stack.broker().resume();
        from = System.currentTimeMillis();
        recoveredAt = t -> both(audit, t);
      }
      case BROKER_RESTART -> {
        // alternately a clean stop and a crash: the data must survive both
        boolean crash = brokerRestarts++ % 2 == 1;
        long stopAt = System.currentTimeMillis();
        if (crash) stack.broker().kill9();
        else stack.broker().stop(Duration.ofSeconds(60));
        stack.startBroker();
        from = System.currentTimeMillis();
        detail =
            String.format(
                Locale.ROOT,
                "%s, down %.1f s, recovery from broker ready",
                crash ? "SIGKILL" : "SIGTERM",
                (from - stopAt) / 1000.0);
        recoveredAt = t -> both(audit, t);
      }
      default -> throw new IllegalStateException("unknown fault " + fault);
    }
    long deadline = from + options.recoveryTimeout().toMillis();
    long at = -1;
    while (System.currentTimeMillis() < deadline) {
      if (audit.refresh(Duration.ofSeconds(10))) {
        at = recoveredAt.applyAsLong(from);
        if (at > 0) break;
      }
      Stack.sleep(500);
    }
    boolean recovered = at > 0;
    long recoveryMs = recovered ? Math.max(0, at - from) : options.recoveryTimeout().toMillis();
    audit.refresh(Duration.ofSeconds(30));
    List<String> notes = new ArrayList<>();
    for (ServiceProcess s : List.of(stack.pair(), stack.train(), stack.serve(), stack.ingest())) {
      if (!s.isAlive()) {
        notes.add(s.name() + " had exited by itself (restarted)");
        s.start();
      }
    }
    return new FaultResult(
        index, fault, detail, recoveryMs, recovered, audit.check(false), String.join(", ", notes));
  }

  /**
   * The later of the next snapshot and the next prediction after {@code t}, or -1 while one is
   * missing.
   */
  private static long both(TopicAudit audit, long t) {
    long s = audit.firstSnapshotAfter(t);
    long p = audit.firstPredictionAfter(t);
    return s < 0 || p < 0 ? -1 : Math.max(s, p);
  }

  /** Waits until the first snapshot and the first prediction exist; returns when, or -1. */
  private static long awaitFlow(TopicAudit audit, long since, Duration timeout) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      if (audit.refresh(Duration.ofSeconds(10))) {
        long at = both(audit, since);
        if (at > 0) return at;
      }
      Stack.sleep(1000);
    }
    return -1;
  }

  /** Nearest-rank percentile of sorted values (0 when empty). */
  static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }
}
