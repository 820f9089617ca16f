package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI guard of issue "exactly-once under faults": {@code streamalign chaos --quick} against the
 * runnable jar the package phase just built, i.e. the real services as processes, one kill -9 of
 * the trainer, one of serving, one broker pause (SIGSTOP/SIGCONT) and one broker restart, every
 * count read back from the topics. Fails when anything is lost, learned twice, left unpredicted or
 * predicted twice, or recovery p99 exceeds {@link #CI_RECOVERY_GOAL_S}.
 *
 * <p>The product goal is 15 s (issue "exactly-once under faults"); CI does not assert it, because
 * on the shared 2-core machine CI runs on it depends on the load more than on the code: a killed
 * trainer published again after 26.4 s at a load average of about 4, and after 52-68 s at 30-45,
 * where the new JVM alone took 8-18 s to log its first line and initTransactions() 10-20 s (the
 * phases: README.md, "Recovery after a crash"; the runs: docs/reliability.md). CI therefore guards
 * the counts, which must be 0, and a recovery bound of 60 s that catches a return of the old 45-120
 * s session-timeout recoveries on a quiet machine; `streamalign chaos` itself keeps 15 s.
 */
@Tag("integration")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ChaosQuickIT {

  /** Recovery bound of the CI guard, in seconds (see the class comment: the goal is 15 s). */
  static final String CI_RECOVERY_GOAL_S = "60";

  static final Pattern SUMMARY =
      Pattern.compile(
          "chaos: faults (\\d+), lost (\\d+), learned-twice (\\d+), predictions-missing (\\d+), "
              + "predictions-duplicated (\\d+), recovery-p99 ([0-9.]+) s");

  static Path runnableJar() {
    Path jar = Path.of(System.getProperty("streamalign.jar", "target/streamalign.jar"));
    assumeTrue(
        Files.isRegularFile(jar),
        "no runnable jar at "
            + jar.toAbsolutePath()
            + " (the IT runs after the package phase, which writes it)");
    return jar.toAbsolutePath();
  }

  @Test
  void quickChaosLosesNothingLearnsNothingTwiceAndRecovers(@TempDir Path work) {
    Path jar = runnableJar();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        StreamAlignCli.execute(
            new PrintWriter(out),
            new PrintWriter(err),
            "chaos",
            "--quick",
            "--jar",
            jar.toString(),
            "--work-dir",
            work.toString(),
            "--seed",
            "16",
            "--recovery-goal",
            CI_RECOVERY_GOAL_S);
    String text = out.toString();
    System.out.println(text);
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    String last =
        lines.stream().filter(l -> l.startsWith("chaos: faults")).reduce((a, b) -> b).orElse("");
    var m = SUMMARY.matcher(last);
    assertTrue(m.matches(), "summary line missing:\n" + text + "\n" + err);
    assertTrue(
        Integer.parseInt(m.group(1)) >= 4,
        "one kill of each service, one pause, one restart: " + last);
    assertTrue(lines.stream().filter(l -> l.startsWith("fault ")).count() >= 4, text);
    assertEquals("0", m.group(2), "lost: " + text);
    assertEquals("0", m.group(3), "learned twice: " + text);
    assertEquals("0", m.group(4), "predictions missing: " + text);
    assertEquals("0", m.group(5), "predictions duplicated: " + text);
    assertEquals(0, code, "exit code (recovery p99 goal, problems):\n" + text + err);
  }
}
