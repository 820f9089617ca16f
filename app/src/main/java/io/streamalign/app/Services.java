package io.streamalign.app;

import io.streamalign.model.LearnerConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small helpers the service commands share: waiting for Ctrl-C, learner overrides. */
final class Services {

  private Services() {}

  /**
   * Blocks until the JVM is asked to stop (Ctrl-C / SIGTERM) or {@code maxMillis} pass (0 =
   * forever).
   */
  static void awaitShutdown(long maxMillis, Runnable onShutdown) throws InterruptedException {
    awaitShutdown(maxMillis, null, onShutdown);
  }

  /** As above, and also returns when {@code end} completes (e.g. a finite source ran out). */
  static void awaitShutdown(
      long maxMillis, java.util.concurrent.CompletableFuture<?> end, Runnable onShutdown)
      throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(1);
    if (end != null) end.whenComplete((v, e) -> latch.countDown());
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              latch.countDown();
              try {
                done.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "streamalign-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (maxMillis > 0) {
        latch.await(maxMillis, TimeUnit.MILLISECONDS);
      } else {
        latch.await();
      }
    } finally {
      try {
        onShutdown.run();
      } finally {
        done.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down
        }
      }
    }
  }

  /** The default learner configuration with {@code key=value} overrides and the device. */
  static LearnerConfig learnerConfig(List<String> overrides, String device) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : overrides == null ? new ArrayList<String>() : overrides) {
      int eq = kv.indexOf('=');
      if (eq <= 0)
        throw new IllegalArgumentException("--learner takes key=value, got '" + kv + "'");
      m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    if (device != null) m.put("device", device);
    LearnerConfig cfg = LearnerConfig.defaults();
    return m.isEmpty() ? cfg : cfg.with(m);
  }

  static void println(PrintWriter out, String s) {
    out.println(s);
    out.flush();
  }
}
