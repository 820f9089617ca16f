package io.streamalign.bench;

/** The machine a figure was measured on. */
public record Machine(int cores, String os, String java) {

  public static Machine current() {
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.vendor")
            + " "
            + System.getProperty("java.runtime.version", System.getProperty("java.version")));
  }

  /** Short text for a table cell. */
  public String cell() {
    return cores + " cores, " + os + ", Java " + java;
  }
}
