package io.streamalign.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run document: header, goals table, the profile's reading, every scenario's table. */
class BenchDocumentTest {

  @Test
  void rendersGoalsProfileAndTables() {
    BenchOptions opts =
        new BenchOptions(false, java.time.Duration.ofHours(1), Path.of("unused"), "cpu");
    BenchReport trainer = new BenchReport("trainer", opts);
    trainer.add(
        Figure.ratioAtLeast("kafka path throughput", 95, "samples/s", "memory path", 100, 0.9));
    trainer.add(Figure.of("memory path throughput", 100, "samples/s", "kafka path", 95));
    Map<String, Integer> phases =
        new LinkedHashMap<>(Map.of("supervisedStep", 60, "scorePrequential", 40));
    Map<String, Integer> acts =
        new LinkedHashMap<>(
            Map.of(
                "supervisedStep: backward",
                50,
                "supervisedStep: optimizer update",
                10,
                "scorePrequential: encoder/head forward (Nets.encode)",
                40));
    Map<String, Integer> leaves =
        new LinkedHashMap<>(
            Map.of("PyTorchLibrary.torchBackward", 50, "PyTorchLibrary.torchNNConvNd", 50));
    trainer.attach(
        "profile", new TrainerProfile.Result(phases, acts, leaves, 100, 10, 200, 190, 2.0));
    BenchReport swap = new BenchReport("swap", opts);
    swap.add(Figure.valueAtMost("swap time p99", 300, "ms", "broker round trip p99", 10, 250));

    String doc =
        BenchDocument.render(
            List.of(trainer, swap),
            Map.of("pairing", "boom"),
            opts,
            Instant.parse("2026-01-01T10:00:00Z"),
            Instant.parse("2026-01-01T11:20:00Z"),
            "git commit abc",
            List.of("x.jar"));

    assertTrue(doc.startsWith("# StreamAlign benchmarks"), doc);
    assertTrue(doc.contains("`streamalign bench all --duration 1h`"), doc);
    assertTrue(
        doc.contains("| date | 2026-01-01T10:00:00Z to 2026-01-01T11:20:00Z (80 min) |"), doc);
    assertTrue(doc.contains("| code | git commit abc |"), doc);
    assertTrue(
        doc.contains(
            "| trainer | kafka path throughput | 95.000 samples/s | 100.0 samples/s (memory path) | 0.950 | ratio >= 0.9 **met** |"),
        doc);
    assertTrue(doc.contains("| swap | swap time p99 | 300.0 ms |"), doc);
    assertTrue(doc.contains("value <= 250.0 ms **NOT met**"), doc);
    assertTrue(doc.contains("| pairing | scenario failed: boom |"), doc);
    // the profile's reading uses the measured shares
    assertTrue(
        doc.contains(
            "Kafka is not the bottleneck.** The Kafka path learns at 0.95x the memory path's rate"),
        doc);
    assertTrue(doc.contains("Backward and forward passes: 50% + 40% of the step"), doc);
    assertTrue(doc.contains("Convolution and pooling operators alone are 50%"), doc);
    assertTrue(doc.contains("test-then-train scoring 40%"), doc);
    assertTrue(doc.contains("Optimizer updates: 10%"), doc);
    assertEquals(1, doc.split("## trainer\n", -1).length - 1, "trainer table once");
    assertTrue(doc.contains("## swap\n"), doc);
  }

  @Test
  void aSubsetRunShowsTheEarlierFiguresBesideItsOwnAndKeepsTheOtherSections() {
    BenchOptions opts = new BenchOptions(false, null, Path.of("unused"), "cpu");
    BenchReport earlierSwap = new BenchReport("swap", opts);
    earlierSwap.add(
        Figure.valueAtMost("swap time p99", 120, "ms", "broker round trip p99", 40, 250));
    BenchReport earlierServing = new BenchReport("serving", opts);
    earlierServing.add(
        Figure.ratioAtMost(
            "1000/s serving latency p99", 3918, "ms", "broker EOS round trip p99", 53, 2.0));
    String earlier =
        BenchDocument.render(
            List.of(earlierSwap, earlierServing),
            Map.of(),
            opts,
            Instant.parse("2026-01-01T10:00:00Z"),
            Instant.parse("2026-01-01T11:00:00Z"),
            "git commit old",
            List.of("x.jar"));

    BenchReport serving = new BenchReport("serving", opts);
    serving.add(
        Figure.ratioAtMost(
            "1000/s serving latency p99", 80, "ms", "broker EOS round trip p99", 50, 2.0));
    serving.add(Figure.of("a new figure", 1, "ms", "one", 1));
    String doc =
        BenchDocument.render(
            "serving,pairing",
            List.of(serving),
            Map.of("pairing", "boom"),
            opts,
            Instant.parse("2026-02-01T10:00:00Z"),
            Instant.parse("2026-02-01T10:10:00Z"),
            "git commit new",
            List.of("x.jar"),
            earlier);

    assertTrue(
        doc.contains("`streamalign bench serving,pairing --previous <the earlier benchmarks.md>`"),
        doc);
    assertTrue(
        doc.contains("The earlier run: 2026-01-01T10:00:00Z to 2026-01-01T11:00:00Z (60 min)."),
        doc);
    assertTrue(
        doc.contains(
            "| serving | 1000/s serving latency p99 | 3918.0 ms | 73.925 | 80.000 ms | 1.600 |"),
        doc);
    assertTrue(doc.contains("| serving | a new figure | (not measured) | - |"), doc);
    // the swap section was not re-run: kept from the earlier document, marked so; serving appears
    // once, new
    assertTrue(
        doc.contains(
            "## swap\n\n*Not re-run with the scenarios above: from the earlier run (2026-01-01T10:00:00Z"),
        doc);
    assertTrue(doc.contains("| swap time p99 | 120.0 ms |"), doc);
    assertEquals(1, doc.split("## serving\n", -1).length - 1, "serving table once");
    // the Goals table keeps the goals of the scenarios not re-run, marked with their run's date,
    // and shows a re-run scenario's goals from this run only
    String goals = doc.substring(doc.indexOf("## Goals"), doc.indexOf("## This run beside"));
    assertTrue(
        goals.contains(
            "| swap (earlier run, 2026-01-01T10:00:00Z to 2026-01-01T11:00:00Z (60 min)) | swap time p99 | 120.0 ms |"),
        goals);
    assertEquals(1, goals.split("1000/s serving latency p99", -1).length - 1, goals);
    assertTrue(goals.contains("| serving | 1000/s serving latency p99 | 80.000 ms |"), goals);
    assertTrue(doc.indexOf("## swap") > doc.indexOf("## serving\n"), doc);

    // a third run of serving alone: swap, kept twice now, keeps the date of the run that measured
    // it, once, and its table
    String third =
        BenchDocument.render(
            "serving",
            List.of(serving),
            Map.of(),
            opts,
            Instant.parse("2026-03-01T10:00:00Z"),
            Instant.parse("2026-03-01T10:10:00Z"),
            "git commit newer",
            List.of("x.jar"),
            doc);
    String swap = BenchDocument.sections(third).get("swap");
    assertTrue(
        swap.startsWith(
            "## swap\n\n*Not re-run with the scenarios above: from the earlier run (2026-01-01T10:00:00Z"),
        swap);
    assertEquals(1, swap.split("Not re-run", -1).length - 1, swap);
    assertTrue(swap.contains("kept as it was.*\n\n| figure |"), swap);
    assertTrue(swap.contains("| swap time p99 | 120.0 ms |"), swap);
  }

  @Test
  void aKeptSectionMarkedOncePerLaterRunBeforeThisRuleKeepsOnlyTheOldestMark() {
    String body =
        "\n*Not re-run with the scenarios above: from the earlier run (C), kept as it was.*\n"
            + "\n*Not re-run with the scenarios above: from the earlier run (B), kept as it was.*\n"
            + "\n*Not re-run with the scenarios above: from the earlier run (A), kept as it was.*\n"
            + "\n| figure | value |\n";
    assertEquals(
        "\n*Not re-run with the scenarios above: from the earlier run (A), kept as it was.*\n"
            + "\n| figure | value |\n",
        BenchDocument.keptNote(body, "D"));
    assertEquals(
        "\n*Not re-run with the scenarios above: from the earlier run (D), kept as it was.*\n"
            + "\n| figure | value |\n",
        BenchDocument.keptNote("\n| figure | value |\n", "D"));
  }

  @Test
  void profileSharesAreOfSamplesInsideTheStep() {
    TrainerProfile.Result r =
        new TrainerProfile.Result(
            Map.of(),
            Map.of("a: backward", 3, "b: backward", 1, "c: x", 4),
            Map.of(),
            8,
            1,
            10,
            10,
            1);
    assertEquals(0.5, TrainerProfile.activityShare(r, "backward"), 1e-9);
    assertEquals(0.0, TrainerProfile.activityShare(r, "optimizer"), 1e-9);
  }
}
