package io.streamalign.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Writes a full chaos run as Markdown (docs/reliability.md): a table per fault, date, commit,
 * machine.
 */
final class ReliabilityReport {

  private ReliabilityReport() {}

  static void write(ChaosOptions options, ChaosSuite.Result result, Instant started) {
    StringBuilder md = new StringBuilder();
    DateTimeFormatter utc =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    md.append("# Reliability under faults\n\n");
    md.append(
            "Written by `streamalign chaos` (the full run; `--quick` is the CI variant, run by `ChaosQuickIT`). ")
        .append(
            "Every service runs as its own process from `app/target/streamalign.jar` against a broker process ")
        .append(
            "whose data survives a restart; faults are real signals; every count is read back from the topics ")
        .append(
            "with read_committed consumers. What each column means: README.md, \"Reliability\".\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| date | ")
        .append(utc.format(started))
        .append(" to ")
        .append(utc.format(Instant.now()))
        .append(" |\n");
    md.append("| commit | ").append(commit()).append(" |\n");
    md.append("| machine | ").append(machine()).append(" |\n");
    md.append(
        String.format(
            Locale.ROOT,
            "| load | `ingest --source synthetic --streams %d --rate %d`; trainer snapshot every %d s; %d partitions per topic; seed %d |\n",
            options.streams(),
            options.rate(),
            options.snapshotEverySeconds(),
            options.partitions(),
            options.seed()));
    md.append("\n**")
        .append(result.summary())
        .append("**")
        .append(result.passed() ? " (passed)" : " (FAILED)")
        .append("\n\n");
    TopicAudit.Counts e = result.end();
    boolean drained = result.problems().stream().noneMatch(p -> p.startsWith("not drained"));
    md.append(
        String.format(
            Locale.ROOT,
            "At the end (load stopped, %s): %d paired samples, the last snapshot v%d "
                + "has samplesSeen %d; %d infer records, %d predictions.\n\n",
            drained ? "services drained" : "the services had NOT drained: see the problems",
            e.pairedLearnable(),
            e.snapshotVersion(),
            e.samplesSeen(),
            e.inferRecords(),
            e.predictions()));
    if (!result.problems().isEmpty()) {
      md.append("Problems:\n\n");
      for (String p : result.problems()) md.append("- ").append(p.replace("\n", " ")).append('\n');
      md.append('\n');
    }
    md.append(
        "## Summary per fault\n\n| fault | trials | recovered | recovery p50 | recovery p99 | max |\n|---|---|---|---|---|---|\n");
    for (Fault f : Fault.values()) {
      List<FaultResult> rs = result.faults().stream().filter(r -> r.fault() == f).toList();
      if (rs.isEmpty()) continue;
      long[] ms = rs.stream().mapToLong(FaultResult::recoveryMs).sorted().toArray();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %.1f s | %.1f s | %.1f s |\n",
              f.label(),
              rs.size(),
              rs.stream().filter(FaultResult::recovered).count(),
              ChaosSuite.percentile(ms, 0.5) / 1000.0,
              ChaosSuite.percentile(ms, 0.99) / 1000.0,
              ms[ms.length - 1] / 1000.0));
    }
    for (Fault f : Fault.values()) {
      List<FaultResult> rs = result.faults().stream().filter(r -> r.fault() == f).toList();
      if (rs.isEmpty()) continue;
      md.append("\n## ").append(f.label()).append("\n\n");
      md.append(
          "| # | what | recovery | lost | learned twice | predictions missing | predictions duplicated | "
              + "bad snapshot offsets | snapshot | samplesSeen / paired before its offsets | note |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (FaultResult r : rs) {
        TopicAudit.Counts c = r.counts();
        md.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %s%.1f s | %d | %d | %d | %d | %d | v%d | %d / %d | %s |\n",
                r.index(),
                r.detail(),
                r.recovered() ? "" : "not within ",
                r.recoveryMs() / 1000.0,
                c.lost(),
                c.learnedTwice(),
                c.predictionsMissing(),
                c.predictionsDuplicated(),
                c.badSnapshotOffsets(),
                c.snapshotVersion(),
                c.samplesSeen(),
                c.pairedLearnable(),
                r.note()));
      }
    }
    md.append("\nReproduce: `./streamalign chaos --seed ")
        .append(options.seed())
        .append(" --trainer-kills ")
        .append(options.trainerKills())
        .append(" --serving-kills ")
        .append(options.servingKills())
        .append(" --pauses ")
        .append(options.pauses())
        .append(" --pause-seconds ")
        .append(options.pauseMin().toSeconds())
        .append('-')
        .append(options.pauseMax().toSeconds())
        .append(" --broker-restarts ")
        .append(options.brokerRestarts())
        .append("` (about ")
        .append(Duration.between(started, Instant.now()).toMinutes())
        .append(" minutes).\n");
    try {
      Path file = options.reportFile();
      if (file.getParent() != null) Files.createDirectories(file.getParent());
      Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write " + options.reportFile(), ex);
    }
  }

  private static String commit() {
    try {
      Process p =
          new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
              .redirectErrorStream(true)
              .start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        Process d =
            new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                .redirectErrorStream(true)
                .start();
        boolean dirty =
            !new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
        d.waitFor(10, TimeUnit.SECONDS);
        return s + (dirty ? " (with uncommitted changes)" : "");
      }
    } catch (IOException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }

  private static String machine() {
    long memBytes = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:"))
          memBytes = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format(
        Locale.ROOT,
        "%d cores, %s, %s %s, Java %s, load average %.2f at the end",
        Runtime.getRuntime().availableProcessors(),
        memBytes > 0
            ? String.format(Locale.ROOT, "%.0f GiB RAM", memBytes / (1024.0 * 1024 * 1024))
            : "RAM unknown",
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.version"),
        load);
  }
}
