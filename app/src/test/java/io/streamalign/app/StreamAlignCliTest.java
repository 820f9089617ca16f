package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parses the command line without running anything against Kafka. */
class StreamAlignCliTest {

  private static final String[] SUBCOMMANDS = {
    "demo", "broker", "topics", "ingest", "pair", "train", "serve", "eval", "bench", "tail"
  };

  /** What one in-process run printed. */
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StreamAlignCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void topLevelHelpListsEverySubcommand() {
    Run r = run("--help");
    assertEquals(0, r.code(), r.err());
    for (String sub : SUBCOMMANDS) {
      assertTrue(r.out().contains("  " + sub + " "), "help lists " + sub + ":\n" + r.out());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "demo", "broker", "topics", "ingest", "pair", "train", "serve", "eval", "bench", "tail"
      })
  void everySubcommandHasHelp(String sub) {
    Run r = run(sub, "--help");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("Usage: streamalign " + sub), r.out());
    assertTrue(r.out().contains("--help"), r.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "topics", "tail"})
  void kafkaCommandsTakeTheKafkaOptions(String sub) {
    Run r = run(sub, "--help");
    for (String option : new String[] {"--bootstrap-servers", "--config", "--topic-prefix"}) {
      assertTrue(r.out().contains(option), sub + " help lists " + option + ":\n" + r.out());
    }
  }

  @Test
  void subcommandSpecificOptionsAreListed() {
    assertTrue(run("tail", "--help").out().contains("--from-beginning"));
    assertTrue(run("tail", "--help").out().contains("--max"));
    assertTrue(run("tail", "--help").out().contains("--timeout"));
    assertTrue(run("topics", "--help").out().contains("--create"));
    assertTrue(run("topics", "--help").out().contains("--partitions"));
    assertTrue(run("broker", "--help").out().contains("--bootstrap-file"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo", "ingest", "pair", "train", "serve"})
  void serviceCommandsTakeTheKafkaOptions(String sub) {
    Run r = run(sub, "--help");
    for (String option : new String[] {"--bootstrap-servers", "--config", "--topic-prefix"}) {
      assertTrue(r.out().contains(option), sub + " help lists " + option + ":\n" + r.out());
    }
  }

  @Test
  void unknownSourceAndProtocolAreClearErrors() {
    Run eval = run("eval", "no-such-protocol");
    assertEquals(1, eval.code(), eval.err());
    assertTrue(eval.err().contains("unknown eval protocol"), eval.err());
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertEquals(2, run().code(), "no subcommand");
    assertEquals(2, run("no-such-command").code());
    assertEquals(2, run("topics").code(), "topics needs --create or --list");
    assertEquals(
        2, run("topics", "--create", "--list").code(), "--create and --list exclude each other");
    assertEquals(2, run("tail").code(), "tail needs a topic");
    assertEquals(2, run("tail", "av.predictions", "--timeout", "soon").code());
  }

  @Test
  void tailRejectsUnknownTopicsBeforeConnecting() {
    Run r = run("tail", "av.nope", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(2, r.code());
    assertTrue(
        r.err().contains("unknown topic 'av.nope'") && r.err().contains("av.predictions"), r.err());
  }

  @Test
  void brokerRefusesAnExternalCluster() {
    Run r = run("broker", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--port"), r.err());
  }

  @Test
  void kafkaOptionsResolveFlagsAndConfigFile() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("client", ".properties");
    try {
      java.nio.file.Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");
      KafkaOptions options = new KafkaOptions();
      options.bootstrapServers = "broker-a:9093,broker-b:9093";
      options.config = file;
      options.topicPrefix = "test.";
      assertEquals("broker-a:9093,broker-b:9093", options.bootstrapServers());
      assertEquals("SASL_SSL", options.clientProperties().getProperty("security.protocol"));
      assertEquals("PLAIN", options.clientProperties().getProperty("sasl.mechanism"));
      assertEquals("test.predictions", options.topics().predictions().name());
      assertTrue(options.bootstrapServersGiven());
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void durationsParse() {
    TailCommand.DurationConverter c = new TailCommand.DurationConverter();
    assertEquals(Duration.ofSeconds(30), c.convert("30s"));
    assertEquals(Duration.ofMillis(500), c.convert("500ms"));
    assertEquals(Duration.ofMinutes(2), c.convert("2m"));
    assertEquals(Duration.ofSeconds(10), c.convert("10"));
    assertEquals(Duration.ofMillis(1500), c.convert("1.5s"));
    assertThrows(picocli.CommandLine.TypeConversionException.class, () -> c.convert("later"));
  }
}
