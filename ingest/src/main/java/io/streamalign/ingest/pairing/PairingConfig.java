package io.streamalign.ingest.pairing;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the pairing topology and app, with defaults and validation in one place.
 *
 * @param applicationId Kafka Streams application id (consumer group, state directory and internal
 *     topic prefix)
 * @param joinWindow largest event-time difference between the frame and the audio chunk of one
 *     moment that still pair
 * @param joinGrace how much later (in stream time) than the window a moment's parts may still
 *     arrive; a moment is held for {@code 2 * joinWindow + joinGrace} waiting for its caption, and
 *     a part later than that is dead-lettered as late (docs/producing.md), never dropped silently
 * @param labelGrace how long a sample waits (in stream time) for a label that arrives after it; the
 *     label table is versioned, so the label valid at the sample's event time is used
 * @param labelHistory how long label versions are kept for event-time lookup
 * @param dedupeRetention how long emitted sample ids are remembered to drop duplicates; must exceed
 *     {@code joinWindow + joinGrace}
 * @param routeUnlabeledToInfer also publish unlabeled samples to {@code av.infer}
 * @param streamThreads number of stream threads of the app
 * @param emitUnpaired emit single-modality samples for frames or chunks left without a partner when
 *     their window closes
 * @param routeAllToInfer publish every sample to {@code av.infer}, labeled or not (overrides
 *     routeUnlabeledToInfer)
 */
public record PairingConfig(
    String applicationId,
    Duration joinWindow,
    Duration joinGrace,
    Duration labelGrace,
    Duration labelHistory,
    Duration dedupeRetention,
    boolean routeUnlabeledToInfer,
    int streamThreads,
    boolean routeAllToInfer,
    boolean emitUnpaired) {

  public static final String DEFAULT_APPLICATION_ID = "streamalign-pairing";

  public PairingConfig {
    Objects.requireNonNull(applicationId, "applicationId");
    if (applicationId.isBlank()) throw new IllegalArgumentException("applicationId is blank");
    requirePositive(joinWindow, "joinWindow");
    requireNonNegative(joinGrace, "joinGrace");
    requireNonNegative(labelGrace, "labelGrace");
    requirePositive(labelHistory, "labelHistory");
    requirePositive(dedupeRetention, "dedupeRetention");
    if (dedupeRetention.compareTo(joinWindow.multipliedBy(2).plus(joinGrace)) <= 0) {
      throw new IllegalArgumentException(
          "dedupeRetention must exceed 2 * joinWindow + joinGrace: " + dedupeRetention);
    }
    if (labelHistory.compareTo(labelGrace) < 0) {
      throw new IllegalArgumentException("labelHistory must be >= labelGrace");
    }
    if (streamThreads < 1)
      throw new IllegalArgumentException("streamThreads must be >= 1: " + streamThreads);
  }

  /**
   * 1 s join window, 2 s grace, 1 s label grace, 1 h label history, 5 min dedupe, infer routing on,
   * 1 thread.
   */
  public static PairingConfig defaults() {
    return new PairingConfig(
        DEFAULT_APPLICATION_ID,
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(1),
        Duration.ofHours(1),
        Duration.ofMinutes(5),
        true,
        1,
        false,
        false);
  }

  public PairingConfig withApplicationId(String id) {
    return new PairingConfig(
        id,
        joinWindow,
        joinGrace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        streamThreads,
        routeAllToInfer,
        emitUnpaired);
  }

  public PairingConfig withJoin(Duration window, Duration grace) {
    return new PairingConfig(
        applicationId,
        window,
        grace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        streamThreads,
        routeAllToInfer,
        emitUnpaired);
  }

  public PairingConfig withLabelGrace(Duration grace) {
    return new PairingConfig(
        applicationId,
        joinWindow,
        joinGrace,
        grace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        streamThreads,
        routeAllToInfer,
        emitUnpaired);
  }

  public PairingConfig withRouteUnlabeledToInfer(boolean route) {
    return new PairingConfig(
        applicationId,
        joinWindow,
        joinGrace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        route,
        streamThreads,
        routeAllToInfer,
        emitUnpaired);
  }

  public PairingConfig withStreamThreads(int n) {
    return new PairingConfig(
        applicationId,
        joinWindow,
        joinGrace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        n,
        routeAllToInfer,
        emitUnpaired);
  }

  /**
   * Routes every paired sample to the infer topic too, labeled or not (the demo does, so that
   * predictions can be shown beside the true label); the default routes only unlabeled ones.
   */
  public PairingConfig withRouteAllToInfer(boolean all) {
    return new PairingConfig(
        applicationId,
        joinWindow,
        joinGrace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        streamThreads,
        all,
        emitUnpaired);
  }

  /**
   * Also emits a single-modality sample for a frame or an audio chunk that found no partner of its
   * moment by the time its join window closed (a camera-only or microphone-only stream, or a lost
   * record): the low-resource modality alone can then still be predicted (and, when labeled,
   * learned).
   */
  public PairingConfig withEmitUnpaired(boolean emit) {
    return new PairingConfig(
        applicationId,
        joinWindow,
        joinGrace,
        labelGrace,
        labelHistory,
        dedupeRetention,
        routeUnlabeledToInfer,
        streamThreads,
        routeAllToInfer,
        emit);
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative())
      throw new IllegalArgumentException(name + " must be > 0: " + d);
  }

  private static void requireNonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) throw new IllegalArgumentException(name + " must be >= 0: " + d);
  }
}
