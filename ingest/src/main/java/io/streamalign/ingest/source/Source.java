package io.streamalign.ingest.source;

import io.streamalign.ingest.producer.AvSink;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A paced, multi-stream source: every tick it asks {@link #moment} for the next moment of each
 * stream and publishes the label, caption, frame and chunk through an {@link AvSink}.
 *
 * <p>Use {@link #start()}/{@link #stop()} to run it on its own thread, or {@link #run()} on the
 * caller's. Event time of moment {@code seq} is {@code start + seq / rate}; with a rate it is paced
 * in wall-clock time, so event time follows the wall clock like a live camera.
 */
public abstract class Source implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Source.class);

  protected final SourceOptions options;
  private final AvSink sink;
  private final AtomicLong moments = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile long startedAtMs;

  private final BackgroundRun<SourceProgress> lifecycle =
      new BackgroundRun<>(
          () -> "source-" + name(),
          this::loop,
          cause -> new IllegalStateException("source failed", cause));

  protected Source(AvSink sink, SourceOptions options) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Short name of the source ("avmnist", "synthetic"). */
  public abstract String name();

  /**
   * The moment {@code seq} of stream {@code stream} at {@code eventTimeMs}, or null when that
   * stream has no more data. Called from one thread.
   */
  public abstract Moment moment(int stream, long seq, long eventTimeMs);

  /** Starts publishing on a new thread; returns at once. */
  public void start() {
    lifecycle.start();
  }

  /** Asks the source to stop after the current tick and waits for it (at most 30 s). */
  public void stop() {
    lifecycle.stop();
  }

  /** Waits for the source to finish; returns the final progress, or null on timeout. */
  public SourceProgress await(Duration timeout) {
    return lifecycle.await(timeout);
  }

  /** Completes when the source has finished. */
  public CompletableFuture<SourceProgress> completion() {
    return lifecycle.completion();
  }

  /** Progress so far. */
  public SourceProgress progress() {
    return snapshot(false);
  }

  /** Publishes until a limit is reached, the data runs out or {@link #stop()} is called. */
  public SourceProgress run() {
    return lifecycle.run();
  }

  private SourceProgress loop() {
    long wallStart = System.currentTimeMillis();
    startedAtMs = wallStart;
    long eventStart = options.startTimeMs() > 0 ? options.startTimeMs() : wallStart;
    long deadline =
        options.duration() == null ? Long.MAX_VALUE : wallStart + options.duration().toMillis();
    long nextReport = wallStart + options.progressInterval().toMillis();
    long lastEventTime = eventStart - 1;
    for (long seq = 0; !lifecycle.stopRequested(); seq++) {
      if (options.maxMomentsPerStream() > 0 && seq >= options.maxMomentsPerStream()) break;
      long offset = options.eventOffsetMs(seq);
      long eventTime =
          options.wallClockUnpaced()
              ? Math.max(
                  System.currentTimeMillis(),
                  lastEventTime + 1) // the broker rejects far-future timestamps
              : eventStart + offset;
      lastEventTime = eventTime;
      if (options.ratePerStream() > 0) {
        long sleep = wallStart + offset - System.currentTimeMillis();
        if (sleep > 0) {
          try {
            Thread.sleep(sleep);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      if (System.currentTimeMillis() >= deadline) break;
      boolean any = false;
      for (int s = 0; s < options.streams() && !lifecycle.stopRequested(); s++) {
        Moment m = moment(s, seq, eventTime);
        if (m == null) continue;
        any = true;
        publish(m);
      }
      if (!any) break;
      long now = System.currentTimeMillis();
      if (options.progress() != null && now >= nextReport) {
        options.progress().accept(snapshot(false));
        nextReport = now + options.progressInterval().toMillis();
      }
    }
    sink.flush();
    SourceProgress last = snapshot(true);
    if (options.progress() != null) options.progress().accept(last);
    return last;
  }

  private void publish(Moment m) {
    for (CompletableFuture<?> f :
        AvSink.sendMomentOrFailure(sink, m.label(), m.text(), m.video(), m.audio())) track(() -> f);
    moments.incrementAndGet();
  }

  private void track(java.util.function.Supplier<CompletableFuture<?>> send) {
    records.incrementAndGet();
    try {
      send.get()
          .whenComplete(
              (r, e) -> {
                if (e != null) {
                  if (failures.incrementAndGet() <= 10)
                    LOG.warn("{} source: send failed", name(), e);
                }
              });
    } catch (RuntimeException e) {
      if (failures.incrementAndGet() <= 10) LOG.warn("{} source: send failed", name(), e);
    }
  }

  private SourceProgress snapshot(boolean finished) {
    long elapsed = startedAtMs == 0 ? 0 : System.currentTimeMillis() - startedAtMs;
    return new SourceProgress(moments.get(), records.get(), failures.get(), elapsed, finished);
  }

  @Override
  public void close() {
    stop();
  }
}
