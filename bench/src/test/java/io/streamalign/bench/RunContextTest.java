package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link RunContext}'s load note says what the samples show. */
class RunContextTest {

  @Test
  void theLoadNoteSaysAboveTheCoreCountOnlyWhenTheLoadWasAboveIt() {
    String quiet = RunContext.LoadSampler.loadNote(1.06, 1.21, 28, 2);
    assertTrue(quiet.endsWith("on 2 cores (never above the core count)"), quiet);
    String busy = RunContext.LoadSampler.loadNote(6.25, 9.26, 91, 2);
    assertTrue(
        busy.endsWith("on 2 cores (above the core count at times: processes waited for a CPU)"),
        busy);
    assertTrue(busy.startsWith("load average (1 min) during the scenario: mean 6.25, max 9.26"));
  }
}
