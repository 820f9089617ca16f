package io.streamalign.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * Entry point of the benchmarks: {@code run(scenario, options)} runs one scenario (or {@code all}),
 * writes {@code <out>/<scenario>.json} and {@code <out>/<scenario>.md} and returns the Markdown
 * table. Benchmarks are not tests: they measure, each figure as a ratio against the baseline that
 * bounds it in the same run, and write the figures down.
 */
public final class BenchRunner {

  /**
   * Scenarios in the order {@code all} runs them: the built-in ones, then those found through
   * {@link ServiceLoader} on the class path (the JMH microbenchmarks, {@value #MICRO}, live in the
   * {@code microbench} module's jar, outside the runnable jar; see {@code bench/README.md}).
   */
  public static final Map<String, Supplier<Scenario>> SCENARIOS = new LinkedHashMap<>();

  /**
   * The JMH scenario, present only when {@code streamalign-microbench.jar} is on the class path.
   */
  static final String MICRO = "learner-micro";

  static {
    SCENARIOS.put("trainer", TrainerBench::new);
    SCENARIOS.put("serving", ServingBench::new);
    SCENARIOS.put("swap", SwapBench::new);
    SCENARIOS.put("pairing", PairingBench::new);
    SCENARIOS.put("soak", SoakBench::new);
    SCENARIOS.put("threads", ThreadsBench::new);
    SCENARIOS.put("learner-vs-torch", LearnerVsTorchBench::new);
    for (ServiceLoader.Provider<Scenario> provider :
        ServiceLoader.load(Scenario.class).stream().toList()) {
      Scenario probe = provider.get();
      SCENARIOS.putIfAbsent(probe.name(), provider::get);
    }
  }

  private BenchRunner() {}

  /** The scenario names, plus "all". */
  public static List<String> names() {
    java.util.ArrayList<String> out = new java.util.ArrayList<>(SCENARIOS.keySet());
    out.add("all");
    return out;
  }

  /**
   * Runs {@code scenario} ("all" runs every one and also writes {@code all.md}, the tables joined)
   * and returns the Markdown table text.
   */
  public static String run(String scenario, BenchOptions opts) throws Exception {
    return run(scenario, opts, null);
  }

  /**
   * As {@link #run(String, BenchOptions)}; "all" also writes {@code <out>/benchmarks.md} (every
   * table, the goals, machine, date, load, code and the trainer profile's reading) and, when {@code
   * doc} is not null, the same text to {@code doc}. A scenario that fails is reported in it and the
   * others still run.
   */
  public static String run(String scenario, BenchOptions opts, Path doc) throws Exception {
    return run(scenario, opts, doc, null);
  }

  /**
   * As {@link #run(String, BenchOptions, Path)}; {@code scenario} may also be a comma-separated
   * subset ("serving,pairing"), run and documented like "all". With {@code previous} (an earlier
   * {@code benchmarks.md}), the document shows that run's figures beside this one's for every
   * scenario run, and keeps its sections of the scenarios not run, marked as such.
   */
  public static String run(String scenario, BenchOptions opts, Path doc, Path previous)
      throws Exception {
    if ("all".equals(scenario) || scenario.contains(",")) {
      List<String> names =
          "all".equals(scenario)
              ? List.copyOf(SCENARIOS.keySet())
              : java.util.Arrays.stream(scenario.split(","))
                  .map(String::trim)
                  .filter(n -> !n.isEmpty())
                  .toList();
      for (String n : names) {
        if (!SCENARIOS.containsKey(n))
          throw new IllegalArgumentException("unknown scenario '" + n + "'; one of " + names());
      }
      String previousText = previous == null ? null : java.nio.file.Files.readString(previous);
      java.time.Instant start = java.time.Instant.now();
      String commit = RunContext.gitCommit();
      List<String> origins =
          List.of(
              RunContext.origin(io.streamalign.model.CrossModalLearner.class),
              RunContext.origin(io.streamalign.serving.ServingService.class),
              RunContext.origin(io.streamalign.trainer.TrainerService.class),
              RunContext.origin(BenchRunner.class));
      StringBuilder sb = new StringBuilder();
      java.util.List<BenchReport> reports = new java.util.ArrayList<>();
      Map<String, String> failures = new LinkedHashMap<>();
      for (String name : names) {
        try {
          BenchReport r = runReport(name, opts);
          reports.add(r);
          sb.append(r.markdown()).append('\n');
        } catch (Exception | Error e) {
          failures.put(name, e.toString());
          System.err.println("scenario " + name + " failed:");
          e.printStackTrace();
        }
      }
      String all = sb.toString();
      java.nio.file.Files.createDirectories(opts.outDir());
      java.nio.file.Files.writeString(opts.outDir().resolve("all.md"), all);
      String document =
          BenchDocument.render(
              scenario,
              reports,
              failures,
              opts,
              start,
              java.time.Instant.now(),
              commit,
              origins,
              previousText);
      java.nio.file.Files.writeString(opts.outDir().resolve("benchmarks.md"), document);
      if (doc != null) {
        if (doc.toAbsolutePath().getParent() != null)
          java.nio.file.Files.createDirectories(doc.toAbsolutePath().getParent());
        java.nio.file.Files.writeString(doc, document);
      }
      return all;
    }
    return runReport(scenario, opts).markdown();
  }

  /** Runs one scenario (not "all"), writes its files and returns its report. */
  public static BenchReport runReport(String scenario, BenchOptions opts) throws Exception {
    Supplier<Scenario> s = SCENARIOS.get(scenario);
    if (s == null && MICRO.equals(scenario)) {
      throw new IllegalArgumentException(
          "scenario '"
              + MICRO
              + "' runs JMH, which is not in the runnable jar: "
              + "build microbench/target/streamalign-microbench.jar (./mvnw -B -q -DskipTests package) and put it "
              + "on the class path; the ./streamalign launcher does so when it exists");
    }
    if (s == null) {
      throw new IllegalArgumentException("unknown scenario '" + scenario + "'; one of " + names());
    }
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    BenchReport report = new BenchReport(scenario, opts);
    long t0 = System.nanoTime();
    try (RunContext.LoadSampler load = new RunContext.LoadSampler()) {
      s.get().run(opts, report);
      report.note(load.summary());
    }
    report.note(
        String.format(
            java.util.Locale.ROOT, "scenario wall time %.1f s", (System.nanoTime() - t0) / 1e9));
    report.write();
    return report;
  }

  /**
   * {@code BenchRunner SCENARIO [--duration D] [--out DIR] [--quick] [--device cpu|gpu|auto] [--doc
   * FILE]}
   */
  public static void main(String[] args) throws Exception {
    String scenario = null;
    Path doc = null;
    Path previous = null;
    BenchOptions opts = BenchOptions.defaults();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> opts = opts.withQuick(true);
        case "--duration" ->
            opts = opts.withDuration(BenchOptions.parseDuration(need(args, ++i, "--duration")));
        case "--out" -> opts = opts.withOutDir(Path.of(need(args, ++i, "--out")));
        case "--device" -> opts = opts.withDevice(need(args, ++i, "--device"));
        case "--doc" -> doc = Path.of(need(args, ++i, "--doc"));
        case "--previous" -> previous = Path.of(need(args, ++i, "--previous"));
        case "-h", "--help" -> {
          System.out.println(usage());
          return;
        }
        default -> {
          if (args[i].startsWith("-") || scenario != null) {
            System.err.println("unexpected argument '" + args[i] + "'\n" + usage());
            System.exit(2);
          }
          scenario = args[i];
        }
      }
    }
    if (scenario == null) {
      System.err.println(usage());
      System.exit(2);
    }
    System.out.println(run(scenario, opts, doc, previous));
    System.exit(0); // Kafka/DJL leave non-daemon threads behind on some paths
  }

  private static String need(String[] args, int i, String opt) {
    if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
    return args[i];
  }

  static String usage() {
    return "usage: bench SCENARIO[,SCENARIO...] [--duration D] [--out DIR] [--quick] [--device cpu|gpu|auto] [--doc FILE]"
        + " [--previous FILE]\n"
        + "  --doc FILE (with all or a list): also write the run's benchmarks.md to FILE\n"
        + "  --previous FILE (with all or a list): an earlier benchmarks.md, shown beside this run\n  scenarios: "
        + String.join(", ", names());
  }
}
