package io.streamalign.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The faults are real signals on a real process ({@code sleep}), read back from /proc. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceProcessTest {

  private static char state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  /**
   * The state after the signal has been delivered (delivery is asynchronous), or the last one seen
   * after 10 s.
   */
  private static char awaitState(long pid, boolean stopped) throws Exception {
    char st = state(pid);
    for (int i = 0; i < 200 && (st == 'T') != stopped; i++) {
      Thread.sleep(50);
      st = state(pid);
    }
    return st;
  }

  @Test
  void pauseStopsTheProcessResumeContinuesItKillNineEndsItAndItStartsAgain(@TempDir Path dir)
      throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
    ServiceProcess p =
        new ServiceProcess(
            "sleeper", List.of("sleep", "120"), Map.of(), dir.resolve("sleeper.log"));
    try {
      p.start();
      long pid = p.pid();
      assertTrue(p.isAlive());
      p.pause();
      assertEquals('T', awaitState(pid, true), "SIGSTOP leaves the process stopped");
      p.resume();
      assertNotEquals('T', awaitState(pid, false), "SIGCONT lets it run");
      p.kill9();
      assertFalse(p.isAlive());
      assertFalse(Files.exists(Path.of("/proc/" + pid)), "SIGKILL: the process is gone");
      p.start();
      assertNotEquals(pid, p.pid(), "started again as a new process");
      assertEquals(2, p.starts());
      assertTrue(
          Files.readString(p.log()).contains("---- start 2: sleep 120"), "both starts logged");
    } finally {
      p.stop(Duration.ofSeconds(5));
    }
    assertFalse(p.isAlive());
  }

  @Test
  void stopOfAFrozenProcessResumesItFirstSoTermIsDelivered(@TempDir Path dir) throws Exception {
    ServiceProcess p =
        new ServiceProcess("sleeper", List.of("sleep", "120"), Map.of(), dir.resolve("s.log"));
    p.start();
    p.pause();
    long t0 = System.nanoTime();
    p.stop(Duration.ofSeconds(20));
    assertFalse(p.isAlive());
    assertTrue(
        System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15),
        "SIGTERM took effect without the SIGKILL fallback");
  }

  @Test
  void killAllLeavesNoProcessBehind(@TempDir Path dir) {
    ServiceProcess a =
        new ServiceProcess("a", List.of("sleep", "120"), Map.of(), dir.resolve("a.log"));
    ServiceProcess b =
        new ServiceProcess("b", List.of("sleep", "120"), Map.of(), dir.resolve("b.log"));
    a.start();
    b.start();
    b.pause();
    ServiceProcess.killAll();
    assertFalse(a.isAlive());
    assertFalse(b.isAlive());
  }

  @Test
  void percentileIsNearestRank() {
    assertEquals(0, ChaosSuite.percentile(new long[0], 0.99));
    assertEquals(7, ChaosSuite.percentile(new long[] {7}, 0.99));
    long[] hundred = new long[100];
    for (int i = 0; i < 100; i++) hundred[i] = i + 1;
    assertEquals(99, ChaosSuite.percentile(hundred, 0.99));
    assertEquals(50, ChaosSuite.percentile(hundred, 0.5));
    assertEquals(
        4, ChaosSuite.percentile(new long[] {1, 2, 3, 4}, 0.99), "few trials: p99 is the worst");
  }
}
