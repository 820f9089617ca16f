package io.streamalign.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One service of the stack under test, run as its own OS process ({@code java -jar streamalign.jar
 * <command> ...}), with its standard output and error appended to a log file.
 *
 * <p>Faults are real signals: {@link #kill9()} is SIGKILL (no shutdown hook runs), {@link #pause()}
 * and {@link #resume()} are SIGSTOP and SIGCONT sent with {@code kill}. Every process started here
 * is remembered until it has exited, and a JVM shutdown hook kills whatever is still alive, so a
 * failed or interrupted run leaves nothing behind.
 */
public final class ServiceProcess implements AutoCloseable {

  private static final Set<ServiceProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ServiceProcess::killAll, "chaos-reaper"));
  }

  private final String name;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path log;
  private volatile Process process;
  private volatile boolean paused;
  private int starts;

  ServiceProcess(String name, List<String> command, Map<String, String> environment, Path log) {
    this.name = name;
    this.command = List.copyOf(command);
    this.environment = Map.copyOf(environment);
    this.log = log;
  }

  /** The service's name (broker, pair, train, serve, ingest). */
  public String name() {
    return name;
  }

  /** The log file both output streams are appended to. */
  public Path log() {
    return log;
  }

  /** How many times the process has been started. */
  public int starts() {
    return starts;
  }

  /** Starts (or starts again) the process; the previous one must have exited. */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
    }
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "---- start " + (starts + 1) + ": " + String.join(" ", command) + System.lineSeparator(),
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      pb.environment().putAll(environment);
      process = pb.start();
      paused = false;
      starts++;
      LIVE.add(this);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** The running process's id, or -1. */
  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  /** Whether the process is running. */
  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** SIGKILL, then waits for the process to be gone. */
  public void kill9() {
    Process p = process;
    if (p == null) return;
    p.destroyForcibly();
    awaitExit(p, Duration.ofSeconds(30));
    LIVE.remove(this);
  }

  /** SIGSTOP: the process is frozen (sockets stay open, nothing answers). */
  public void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT: the frozen process runs on. */
  public void resume() {
    signal("CONT");
    paused = false;
  }

  /** SIGTERM (the service's own shutdown runs), then SIGKILL if it has not exited in time. */
  public void stop(Duration grace) {
    Process p = process;
    if (p == null || !p.isAlive()) {
      LIVE.remove(this);
      return;
    }
    if (paused) resume();
    p.destroy();
    if (!awaitExit(p, grace)) {
      p.destroyForcibly();
      awaitExit(p, Duration.ofSeconds(30));
    }
    LIVE.remove(this);
  }

  /** Whether the log holds a line containing {@code text} (since the file was created). */
  public boolean logContains(String text) {
    try {
      return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** The last {@code n} lines of the log, for error messages. */
  public String logTail(int n) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(
          System.lineSeparator(), lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(20));
  }

  @Override
  public String toString() {
    return name + (isAlive() ? " (pid " + pid() + ")" : " (not running)");
  }

  private void signal(String signal) {
    long pid = pid();
    if (pid < 0 || !isAlive()) throw new IllegalStateException(name + " is not running");
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -"
                + signal
                + " "
                + pid
                + " failed: "
                + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + name, e);
    }
  }

  private static boolean awaitExit(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  /** Kills every process still alive: resumed first if frozen, then SIGKILL, with its children. */
  public static void killAll() {
    for (ServiceProcess s : new ArrayList<>(LIVE)) {
      Process p = s.process;
      if (p == null) continue;
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      awaitExit(p, Duration.ofSeconds(10));
      LIVE.remove(s);
    }
  }
}
