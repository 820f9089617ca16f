package io.streamalign.bench;

/**
 * One benchmark scenario: measures its figures (each against its same-run baseline) into a report.
 */
public interface Scenario {

  /** The name used on the command line and as the file name. */
  String name();

  /** Runs the scenario, adding figures and notes to {@code report}. */
  void run(BenchOptions opts, BenchReport report) throws Exception;
}
