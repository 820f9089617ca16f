package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI guard of issue "hostile and odd input": a short {@code streamalign chaos fuzz} against the
 * real services as processes. Every good moment must be learned and predicted once, and every bad
 * record of every kind must end with a reason the fuzzer can attribute (a dead letter naming its
 * source record, or a counted drop), except the kinds in {@link #NOT_YET_ATTRIBUTED}.
 *
 * <p>NOT YET MET (docs/reliability.md): pairing dead-letters a part a year in the past ("late") and
 * a frame or chunk whose partner never comes ("unpaired") after the repartition by stream, so those
 * letters name the internal repartition topic (or no offset) instead of the source record, and
 * exact duplicates are dropped by design and counted in the Streams metric {@code
 * duplicate-dropped-total}, which the fuzzer does not read back yet. Those three kinds are listed,
 * not asserted; every other kind must have no record without a reason.
 */
@Tag("integration")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ChaosFuzzIT {

  /**
   * Kinds whose reasons exist but are not attributed to the source record yet (see the class
   * comment).
   */
  static final List<String> NOT_YET_ATTRIBUTED =
      List.of(
          "event time one year back",
          "exact duplicate of a good record",
          "frame without audio / audio without frame");

  static final Pattern KIND =
      Pattern.compile(
          "fuzz: (.+?)\\s+bad\\s+(\\d+), dead-lettered\\s+(\\d+), accepted as a sample\\s+(\\d+), no reason\\s+(\\d+).*");

  static final Pattern SUMMARY =
      Pattern.compile(
          "fuzz: records (\\d+), bad (\\d+), dead-lettered (\\d+), counted-drops (\\d+), unexplained (\\d+), good-lost (\\d+)");

  @Test
  void everyBadRecordHasAReasonAndEveryGoodMomentIsLearnedAndPredictedOnce(@TempDir Path work) {
    Path jar = ChaosQuickIT.runnableJar();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        StreamAlignCli.execute(
            new PrintWriter(out),
            new PrintWriter(err),
            "chaos",
            "fuzz",
            "--records",
            "400",
            "--jar",
            jar.toString(),
            "--work-dir",
            work.toString(),
            "--seed",
            "17");
    String text = out.toString();
    System.out.println(text);
    String last =
        text.lines().filter(l -> l.startsWith("fuzz: records")).reduce((a, b) -> b).orElse("");
    var m = SUMMARY.matcher(last);
    assertTrue(m.matches(), "summary line missing:\n" + text + "\n" + err);
    assertTrue(Integer.parseInt(m.group(1)) >= 400, last);
    assertTrue(Integer.parseInt(m.group(2)) > 50, "bad records were sent: " + last);
    assertEquals("0", m.group(6), "good lost: " + text);
    int kinds = 0;
    for (String line : text.lines().toList()) {
      var k = KIND.matcher(line);
      if (!k.matches()) continue;
      kinds++;
      String kind = k.group(1).trim();
      assertEquals(
          "0", k.group(4), "bad records of kind '" + kind + "' accepted as samples: " + line);
      if (!NOT_YET_ATTRIBUTED.contains(kind)) {
        assertEquals(
            "0", k.group(5), "bad records of kind '" + kind + "' without a reason: " + line);
      }
    }
    assertTrue(kinds >= 10, "per-kind lines:\n" + text);
    // the exit code stays non-zero while the kinds above are unattributed (unexplained > 0)
  }
}
