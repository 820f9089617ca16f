package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every scenario in its quickest meaningful configuration (quick mode, a short soak): the {@code
 * .json} and {@code .md} files are written and every figure and baseline is a finite number. No
 * thresholds on values: benchmarks measure, they do not pass or fail. ({@code learner-micro}, the
 * JMH scenario, is checked by the {@code microbench} module's {@code LearnerMicroBenchIT}.)
 */
@Tag("integration")
class BenchSmokeIT {

  @TempDir Path out;

  @ParameterizedTest
  @ValueSource(strings = {"trainer", "serving", "swap", "pairing", "soak"})
  @Timeout(240)
  void scenarioWritesFiniteFigures(String scenario) throws Exception {
    BenchOptions opts = new BenchOptions(true, Duration.ofSeconds(15), out, "cpu");
    BenchReport report = BenchRunner.runReport(scenario, opts);

    assertFalse(report.figures().isEmpty(), "no figures");
    for (Figure f : report.figures()) {
      assertTrue(Double.isFinite(f.value()), f.name() + " value " + f.value());
      assertTrue(Double.isFinite(f.baseline()), f.name() + " baseline " + f.baseline());
      if (f.baseline() != 0)
        assertTrue(Double.isFinite(f.ratio()), f.name() + " ratio " + f.ratio());
    }
    Path json = out.resolve(scenario + ".json");
    Path md = out.resolve(scenario + ".md");
    assertTrue(Files.isRegularFile(json), "missing " + json);
    assertTrue(Files.isRegularFile(md), "missing " + md);
    String j = Files.readString(json);
    Matcher m = Pattern.compile("\"value\" ?: ([^,]+),").matcher(j);
    int values = 0;
    while (m.find()) {
      Double.parseDouble(m.group(1)); // "null" (a non-finite value) would throw
      values++;
    }
    assertEquals(report.figures().size(), values, "figures in " + json);
    String table = Files.readString(md);
    assertTrue(
        table.contains("| figure | value | baseline | ratio | goal | machine | date |"), table);
    // the figures' table comes first; sections (e.g. the trainer profile's tables) follow under
    // "### "
    String figuresPart = table.split("\n### ", 2)[0];
    assertEquals(
        report.figures().size(),
        figuresPart.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| figure")).count(),
        "rows in " + md);
    if (scenario.equals("trainer")) {
      assertTrue(table.contains("### Where the trainer step's time goes"), table);
      assertTrue(table.contains("| learner phase | share | ms/step |"), table);
    }
  }
}
