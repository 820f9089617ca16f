package io.streamalign.schemas.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.health.HealthCheck.Facts;
import io.streamalign.schemas.health.HealthCheck.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

  private final HealthCheck check = new HealthCheck(Duration.ofSeconds(30));

  private static Facts healthy() {
    return new Facts(true, false, 2, true, 5, Duration.ofSeconds(1));
  }

  @Test
  void upWhenRunningAssignedReachableAndProgressing() {
    Verdict v = check.judge(healthy());
    assertTrue(v.up(), v.reasons().toString());
    assertEquals("UP", v.status());
  }

  @Test
  void idleWithoutLagIsUpHoweverLongAgoTheLastProgress() {
    assertTrue(check.judge(new Facts(true, false, 1, true, 0, Duration.ofHours(3))).up());
  }

  @Test
  void downWithoutAssignment() {
    Verdict v = check.judge(new Facts(true, false, 0, true, 0, Duration.ZERO));
    assertFalse(v.up());
    assertEquals("DOWN", v.status());
    assertTrue(v.reasons().get(0).contains("no partition"), v.reasons().toString());
  }

  @Test
  void downWhenTheBrokerDoesNotAnswer() {
    Verdict v = check.judge(new Facts(true, false, 2, false, -1, Duration.ofSeconds(1)));
    assertFalse(v.up());
    assertTrue(v.reasons().contains("the broker did not answer"), v.reasons().toString());
  }

  @Test
  void downWhenStalledWithLag() {
    assertTrue(
        check.judge(new Facts(true, false, 2, true, 10, Duration.ofSeconds(30))).up(),
        "at the limit still up");
    Verdict v = check.judge(new Facts(true, false, 2, true, 10, Duration.ofSeconds(31)));
    assertFalse(v.up());
    assertTrue(
        v.reasons().get(0).contains("no progress for 31 s")
            && v.reasons().get(0).contains("10 records"),
        v.reasons().toString());
    assertFalse(check.judge(new Facts(true, false, 2, false, -1, Duration.ofMinutes(5))).up());
  }

  @Test
  void downWhenNotRunningOrRecovering() {
    assertFalse(check.judge(new Facts(false, false, 2, true, 0, Duration.ZERO)).up());
    Verdict v = check.judge(new Facts(true, true, 2, true, 0, Duration.ZERO));
    assertFalse(v.up());
    assertEquals(1, v.reasons().size());
  }

  @Test
  void everyFailedConditionIsNamed() {
    Verdict v = check.judge(new Facts(false, true, 0, false, -1, Duration.ofMinutes(2)));
    assertEquals(5, v.reasons().size(), v.reasons().toString());
    assertThrows(IllegalArgumentException.class, () -> new HealthCheck(Duration.ZERO));
  }
}
