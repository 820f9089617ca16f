package io.streamalign.ingest.source;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The run-on-a-thread lifecycle every source shares: {@link #start()} on a daemon thread or {@link
 * #run()} on the caller's, a cooperative {@link #stop()}, and the final progress as a future. The
 * body polls {@link #stopRequested()} between units of work.
 *
 * @param <P> the progress type the body returns when it ends
 */
public final class BackgroundRun<P> {

  private final Supplier<String> threadName;
  private final Supplier<P> body;
  private final Function<Throwable, RuntimeException> failure;
  private final CompletableFuture<P> done = new CompletableFuture<>();
  private volatile boolean stopRequested;
  private volatile boolean running;
  private Thread thread;

  /**
   * @param threadName name of the thread {@link #start()} creates (asked for at start)
   * @param body the work; returns the final progress
   * @param failure turns the body's failure into what {@link #await} throws
   */
  public BackgroundRun(
      Supplier<String> threadName,
      Supplier<P> body,
      Function<Throwable, RuntimeException> failure) {
    this.threadName = Objects.requireNonNull(threadName, "threadName");
    this.body = Objects.requireNonNull(body, "body");
    this.failure = Objects.requireNonNull(failure, "failure");
  }

  /** Starts the body on a new daemon thread; returns at once. */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    thread = new Thread(this::run, threadName.get());
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks the body to stop after its current unit of work and waits for it (at most 30 s). */
  public void stop() {
    requestStop();
    if (running) await(Duration.ofSeconds(30));
  }

  /** Asks the body to stop, without waiting. */
  public void requestStop() {
    stopRequested = true;
  }

  /** Whether a stop was asked for; the body checks this between units of work. */
  public boolean stopRequested() {
    return stopRequested;
  }

  /** Waits for the body to finish; returns the final progress, or null on timeout. */
  public P await(Duration timeout) {
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      throw failure.apply(e.getCause());
    }
  }

  /** Completes when the body has finished (exceptionally if it failed). */
  public CompletableFuture<P> completion() {
    return done;
  }

  /** Runs the body on the caller's thread and returns its final progress. */
  public P run() {
    running = true;
    try {
      P p = body.get();
      done.complete(p);
      return p;
    } catch (RuntimeException | Error e) {
      done.completeExceptionally(e);
      throw e;
    } finally {
      running = false;
    }
  }
}
