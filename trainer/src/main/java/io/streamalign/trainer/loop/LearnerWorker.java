package io.streamalign.trainer.loop;

import io.streamalign.model.OnlineLearner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner and the one thread that uses it (learners are not thread-safe). Every use of the
 * learner is a task on that thread, run in submission order, so a replaced learner is never used
 * after the tasks queued before the replacement.
 */
public final class LearnerWorker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LearnerWorker.class);

  private final ExecutorService thread;
  private OnlineLearner learner; // on the worker thread only (or after it ended)

  public LearnerWorker(String name) {
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "streamalign-learner-" + name);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs {@code task} on the learner thread and waits for its result (its exception is rethrown).
   */
  public <T> T call(Function<OnlineLearner, T> task) {
    return await(submit(task));
  }

  /** Queues {@code task} on the learner thread. */
  public <T> Future<T> submit(Function<OnlineLearner, T> task) {
    return thread.submit(() -> task.apply(learner));
  }

  /** Queues a task with no result. */
  public void run(Consumer<OnlineLearner> task) {
    thread.submit(() -> task.accept(learner));
  }

  /**
   * Replaces the learner by the one {@code make} returns (made on the learner thread), closing the
   * old one; waits. If {@code make} throws, the old learner stays and the exception is rethrown.
   */
  public void replace(Supplier<? extends OnlineLearner> make) {
    call(
        old -> {
          OnlineLearner next = make.get();
          learner = next;
          if (old != null && old != next) closeQuietly(old);
          return null;
        });
  }

  /** Waits for a task's result, rethrowing its exception unchanged when unchecked. */
  public static <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the learner", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
  }

  /** Stops the thread (interrupting a running task) and closes the learner. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(30, TimeUnit.SECONDS))
        LOG.warn("the learner thread did not end in 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Every learner task has ended, so closing it from this thread is safe.
    if (learner != null) closeQuietly(learner);
    learner = null;
  }

  private static void closeQuietly(OnlineLearner l) {
    try {
      l.close();
    } catch (RuntimeException e) {
      LOG.debug("learner close: {}", e.toString());
    }
  }
}
