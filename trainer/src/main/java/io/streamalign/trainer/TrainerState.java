package io.streamalign.trainer;

/** Lifecycle of a {@link TrainerService}. */
public enum TrainerState {
  /** Built, not started. */
  CREATED,
  /** {@code start()} is fencing older trainers, restoring the model and checking limits. */
  STARTING,
  /** Consuming and learning. */
  RUNNING,
  /** {@code stop()} was called: finishing the step and publishing the final snapshot. */
  STOPPING,
  /** Stopped cleanly after a final snapshot. */
  STOPPED,
  /**
   * Another trainer with the same model name took over (transactional id fenced); stopped without
   * publishing.
   */
  FENCED,
  /** Stopped without a final snapshot on purpose ({@code crash()}, for failure tests). */
  CRASHED,
  /** Stopped by an error; see {@code failure()}. */
  FAILED;

  /** True once the service will do no more work. */
  public boolean isTerminal() {
    return this == STOPPED || this == FENCED || this == CRASHED || this == FAILED;
  }
}
