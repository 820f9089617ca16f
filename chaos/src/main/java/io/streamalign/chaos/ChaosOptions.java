package io.streamalign.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one chaos run. {@link #quick} is the CI variant: one kill of each service, one broker
 * pause as long as the consumers' session timeout and one broker restart, in under 5 minutes;
 * {@link #full} is the documented run of docs/reliability.md.
 *
 * @param jar the runnable jar the services are started from
 * @param java the java launcher
 * @param workDir logs, the broker's data and the bootstrap file
 * @param trainerKills kill -9 trials of the trainer
 * @param servingKills kill -9 trials of serving
 * @param pauses broker pauses (SIGSTOP ... SIGCONT)
 * @param pauseMin shortest pause
 * @param pauseMax longest pause (each pause is drawn uniformly in between)
 * @param brokerRestarts broker restarts (SIGTERM, then started again on the same data and port)
 * @param recoveryGoal the recovery time the run must meet at p99
 * @param recoveryTimeout give up waiting for a recovery after this long (counted as that long)
 * @param snapshotEverySeconds the trainer's snapshot period (a bound on the recovery it can show)
 * @param streams load generator streams
 * @param rate load generator moments per second per stream
 * @param partitions partitions per topic
 * @param seed seed of the fault schedule
 * @param brokerHeap the broker process's -Xmx
 * @param reportFile where a full run writes its Markdown report (null = nowhere)
 */
public record ChaosOptions(
    Path jar,
    Path java,
    Path workDir,
    int trainerKills,
    int servingKills,
    int pauses,
    Duration pauseMin,
    Duration pauseMax,
    int brokerRestarts,
    Duration recoveryGoal,
    Duration recoveryTimeout,
    int snapshotEverySeconds,
    int streams,
    int rate,
    int partitions,
    long seed,
    String brokerHeap,
    Path reportFile) {

  public ChaosOptions {
    Objects.requireNonNull(jar, "jar");
    Objects.requireNonNull(java, "java");
    Objects.requireNonNull(workDir, "workDir");
    if (trainerKills < 0 || servingKills < 0 || pauses < 0 || brokerRestarts < 0) {
      throw new IllegalArgumentException("fault counts must be >= 0");
    }
    if (pauseMax.compareTo(pauseMin) < 0) throw new IllegalArgumentException("pauseMax < pauseMin");
  }

  /**
   * The CI variant: 1 + 1 kills, one pause of {@code pause} (>= the consumers' session timeout),
   * one restart.
   */
  public static ChaosOptions quick(Path jar, Path java, Path workDir, Duration pause, long seed) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        1,
        1,
        1,
        pause,
        pause,
        1,
        Duration.ofSeconds(15),
        Duration.ofSeconds(150),
        3,
        2,
        2,
        3,
        seed,
        "768m",
        null);
  }

  /** The documented run: 10 + 10 kills, pauses of 30-90 s, broker restarts. */
  public static ChaosOptions full(Path jar, Path java, Path workDir, long seed, Path reportFile) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        10,
        10,
        2,
        Duration.ofSeconds(30),
        Duration.ofSeconds(90),
        2,
        Duration.ofSeconds(15),
        Duration.ofSeconds(240),
        3,
        2,
        2,
        3,
        seed,
        "768m",
        reportFile);
  }

  /** Total number of faults the run injects. */
  public int faults() {
    return trainerKills + servingKills + pauses + brokerRestarts;
  }

  public ChaosOptions withPauses(int n, Duration min, Duration max) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        trainerKills,
        servingKills,
        n,
        min,
        max,
        brokerRestarts,
        recoveryGoal,
        recoveryTimeout,
        snapshotEverySeconds,
        streams,
        rate,
        partitions,
        seed,
        brokerHeap,
        reportFile);
  }

  public ChaosOptions withKills(int trainer, int serving) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        trainer,
        serving,
        pauses,
        pauseMin,
        pauseMax,
        brokerRestarts,
        recoveryGoal,
        recoveryTimeout,
        snapshotEverySeconds,
        streams,
        rate,
        partitions,
        seed,
        brokerHeap,
        reportFile);
  }

  public ChaosOptions withBrokerRestarts(int n) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        trainerKills,
        servingKills,
        pauses,
        pauseMin,
        pauseMax,
        n,
        recoveryGoal,
        recoveryTimeout,
        snapshotEverySeconds,
        streams,
        rate,
        partitions,
        seed,
        brokerHeap,
        reportFile);
  }

  public ChaosOptions withRecoveryGoal(Duration goal) {
    return new ChaosOptions(
        jar,
        java,
        workDir,
        trainerKills,
        servingKills,
        pauses,
        pauseMin,
        pauseMax,
        brokerRestarts,
        goal,
        recoveryTimeout,
        snapshotEverySeconds,
        streams,
        rate,
        partitions,
        seed,
        brokerHeap,
        reportFile);
  }
}
