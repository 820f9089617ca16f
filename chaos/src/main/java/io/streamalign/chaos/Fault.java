package io.streamalign.chaos;

/** The faults the suite injects, each into the real process by signal. */
public enum Fault {
  /** kill -9 of the trainer at a random point, restarted at once. */
  TRAINER_KILL("trainer kill -9"),
  /**
   * kill -9 of the serving instance at a random point, restarted at once with the same instance id.
   */
  SERVING_KILL("serving kill -9"),
  /** SIGSTOP of the broker for a while, then SIGCONT. */
  BROKER_PAUSE("broker pause"),
  /**
   * SIGTERM (every second time SIGKILL) of the broker, then the broker started again on the same
   * data directory and port.
   */
  BROKER_RESTART("broker restart");

  private final String label;

  Fault(String label) {
    this.label = label;
  }

  /** Human-readable name, as printed per fault and in docs/reliability.md. */
  public String label() {
    return label;
  }
}
