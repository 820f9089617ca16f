package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.pairing.PairingApp;
import io.streamalign.ingest.pairing.PairingConfig;
import io.streamalign.schemas.KafkaSettings;
import io.streamalign.schemas.Topics;
import io.streamalign.serving.ServingConfig;
import io.streamalign.serving.ServingService;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import io.streamalign.trainer.TrainerConfig;
import io.streamalign.trainer.TrainerService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Python user's round trip (README.md, "Python and other clients"): {@code
 * examples/python/produce.py} publishes synthetic digit moments with confluent-kafka (librdkafka's
 * <b>default</b> partitioner, CRC32-based) and python3-avro from the self-contained {@code
 * schemas/avsc/} files; the pipeline (pairing, trainer, serving with the JSON mirror on) runs
 * in-process on the embedded broker; and {@code examples/python/subscribe.py} reads back a
 * prediction for every moment Python produced, each with the label Python sent for it. The JSON
 * mirror {@code predictions.json} is read with kcat and a plain String consumer.
 *
 * <p>Needs {@code /usr/bin/python3} with the Debian packages python3-confluent-kafka and
 * python3-avro (and kcat for that part); skipped, saying why, without them.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@ExtendWith(EmbeddedKafkaExtension.class)
@TopicPartitions(PythonClientIT.PARTITIONS)
class PythonClientIT {

  static final int PARTITIONS = 3;
  static final String PYTHON = "/usr/bin/python3";
  static final Path EXAMPLES = Path.of("..", "examples", "python").toAbsolutePath().normalize();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void pythonProducesAndSubscribesWithLabelsJoinedAndKcatReadsTheJsonMirror(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    String missing = pythonModulesMissing();
    Assumptions.assumeTrue(missing == null, () -> "PythonClientIT skipped: " + missing);

    KafkaSettings settings =
        KafkaSettings.load(
            broker.bootstrapServers(), null, Map.of("STREAMALIGN_TOPIC_PREFIX", topics.prefix()));
    Properties pairingProps = settings.clientProperties();
    pairingProps.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("streams").toString());
    pairingProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    String model = "py-it";
    List<AutoCloseable> open = new ArrayList<>();
    try {
      PairingApp pairing =
          new PairingApp(
              PairingConfig.defaults().withApplicationId("py-it-pairing").withRouteAllToInfer(true),
              pairingProps,
              topics);
      open.add(pairing);
      pairing.start();
      TrainerService trainer =
          new TrainerService(
              TrainerConfig.builder()
                  .setModelName(model)
                  .setKafka(settings)
                  .optLearnerConfig(Services.learnerConfig(List.of(), null))
                  .optBatchSize(32)
                  .optBatchMaxWait(Duration.ofMillis(300))
                  .optSnapshotEverySamples(64)
                  .optSnapshotEvery(Duration.ofSeconds(2))
                  .optMetricsPort(0)
                  .build());
      open.add(trainer);
      trainer.start();
      ServingService serving =
          ServingService.withCrossModalLearner(
              ServingConfig.builder(settings)
                  .setModelName(model)
                  .optPromotedOnly(false)
                  .optApplicationId("py-it-serving")
                  .optJsonMirror(true)
                  .build());
      open.add(serving);
      serving.start();
      assertTrue(
          pairing.awaitRunning(Duration.ofSeconds(90)),
          "pairing reaches RUNNING: " + pairing.state());

      // 3 streams x 60 moments at 15 moments/s, every moment labeled, with librdkafka's default
      // partitioner
      Path manifest = tmp.resolve("manifest.jsonl");
      Run produced =
          python(
              Duration.ofSeconds(120),
              "produce.py",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--streams",
              "3",
              "--stream-prefix",
              "py-",
              "--moments",
              "60",
              "--rate",
              "15",
              "--seed",
              "3",
              "--manifest",
              manifest.toString());
      assertEquals(0, produced.code, "produce.py: " + produced);
      Map<String, String> classOf = new TreeMap<>();
      for (String line : Files.readAllLines(manifest)) {
        JsonNode m = JSON.readTree(line);
        classOf.put(
            m.get("streamId").asText() + "#" + m.get("seq").asLong(), m.get("class").asText());
      }
      assertEquals(180, classOf.size(), "moments in the manifest");

      // Later moments on streams that land on every partition of the pairing's repartition topics
      // (Java's murmur2 decides those) move stream time past the last windows (docs/producing.md,
      // "Timestamps").
      // They are written with an evolved VideoFrame (an optional field StreamAlign does not know)
      // and its
      // schema in the avro.schema header: the pairing service must still read them (README.md,
      // "Schema evolution").
      Thread.sleep(2_000);
      Path evolved = evolvedAvscDir();
      Run ticks =
          python(
              Duration.ofSeconds(60),
              "produce.py",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--stream-ids",
              String.join(",", tickStreams()),
              "--moments",
              "5",
              "--rate",
              "2",
              "--avsc-dir",
              evolved.toString(),
              "--schema-header");
      assertEquals(0, ticks.code, "produce.py ticks: " + ticks);

      Run subscribed =
          python(
              Duration.ofSeconds(240),
              "subscribe.py",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--from-beginning",
              "--stream-prefix",
              "py-",
              "--max",
              String.valueOf(classOf.size()),
              "--timeout",
              "200");
      assertEquals(0, subscribed.code, "subscribe.py: " + subscribed);
      Map<String, JsonNode> predicted = new HashMap<>();
      for (String line : subscribed.stdout.split("\n")) {
        if (line.isBlank()) continue;
        JsonNode p = JSON.readTree(line);
        predicted.put(p.get("sampleId").asText(), p);
      }
      List<String> missingOrWrong = new ArrayList<>();
      int correct = 0;
      for (Map.Entry<String, String> e : classOf.entrySet()) {
        JsonNode p = predicted.get(e.getKey());
        if (p == null || !e.getValue().equals(p.path("trueLabel").asText(null))) {
          missingOrWrong.add(
              e.getKey() + "=" + (p == null ? "no prediction" : p.path("trueLabel").asText(null)));
        } else if (e.getValue().equals(p.get("label").asText())) {
          correct++;
        }
      }
      System.out.printf(
          "PythonClientIT: %d moments from Python, %d predictions back, %d with their label"
              + " joined, %d predicted right%n",
          classOf.size(), predicted.size(), classOf.size() - missingOrWrong.size(), correct);
      assertEquals(
          List.of(), missingOrWrong, "every moment Python produced is predicted, with its label");

      Run tickPredictions =
          python(
              Duration.ofSeconds(120),
              "subscribe.py",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--from-beginning",
              "--stream-prefix",
              "tick-",
              "--max",
              "1",
              "--timeout",
              "90");
      assertEquals(0, tickPredictions.code, "subscribe.py: " + tickPredictions);
      JsonNode tick = JSON.readTree(tickPredictions.stdout.strip().split("\n")[0]);
      assertTrue(
          tick.get("modalitiesUsed").toString().contains("VIDEO"),
          "a frame written with the evolved schema was read: " + tick);

      // The JSON mirror: the same predictions as plain JSON, read by kcat and by a String consumer.
      Set<String> mirrored = readJsonMirror(broker, topics.predictionsJson().name());
      assertTrue(
          mirrored.containsAll(classOf.keySet()),
          "the JSON mirror holds every Python moment's prediction");
      if (Files.isExecutable(Path.of("/usr/bin/kcat"))) {
        Run kcat =
            run(
                Duration.ofSeconds(60),
                List.of(
                    "/usr/bin/kcat",
                    "-b",
                    broker.bootstrapServers(),
                    "-C",
                    "-t",
                    topics.predictionsJson().name(),
                    "-o",
                    "beginning",
                    "-e",
                    "-q"));
        assertEquals(0, kcat.code, "kcat: " + kcat);
        Set<String> viaKcat = new HashSet<>();
        for (String line : kcat.stdout.split("\n")) {
          if (!line.isBlank()) viaKcat.add(JSON.readTree(line).get("sampleId").asText());
        }
        assertTrue(
            viaKcat.containsAll(classOf.keySet()),
            "kcat reads every Python moment's prediction as JSON");
        System.out.printf("PythonClientIT: kcat read %d JSON predictions%n", viaKcat.size());
      } else {
        System.err.println(
            "PythonClientIT: kcat part skipped: no /usr/bin/kcat (apt-get install kcat)");
      }
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          // close the rest
        }
      }
    }
  }

  /**
   * A copy of schemas/avsc/ whose VideoFrame has one more optional field, as a producer's evolved
   * copy.
   */
  Path evolvedAvscDir() throws IOException {
    Path dir = tmp.resolve("avsc-evolved");
    Files.createDirectories(dir);
    Path shipped = EXAMPLES.resolve("../../schemas/avsc").normalize();
    try (var files = Files.list(shipped)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".avsc")).toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    com.fasterxml.jackson.databind.node.ObjectNode video =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            JSON.readTree(dir.resolve("VideoFrame.avsc").toFile());
    com.fasterxml.jackson.databind.node.ObjectNode extra = JSON.createObjectNode();
    extra.put("name", "exposureMs");
    extra.putArray("type").add("null").add("long");
    extra.putNull("default");
    extra.put("doc", "Exposure time in ms (a field only this producer knows).");
    ((com.fasterxml.jackson.databind.node.ArrayNode) video.get("fields")).add(extra);
    Files.writeString(dir.resolve("VideoFrame.avsc"), JSON.writeValueAsString(video));
    return dir;
  }

  /**
   * Stream ids whose murmur2 partitions cover every partition of the pairing's repartition topics.
   */
  static List<String> tickStreams() {
    List<String> ids = new ArrayList<>();
    Set<Integer> covered = new HashSet<>();
    for (int k = 0; covered.size() < PARTITIONS; k++) {
      String id = "tick-" + k;
      if (covered.add(
          Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS))
        ids.add(id);
    }
    return ids;
  }

  static Set<String> readJsonMirror(EmbeddedKafkaBroker broker, String topic) throws IOException {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "py-it-json-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Set<String> ids = new HashSet<>();
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.subscribe(List.of(topic));
      long quietSince = System.currentTimeMillis();
      while (System.currentTimeMillis() - quietSince < 5_000) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          JsonNode n = JSON.readTree(r.value());
          assertEquals(r.key(), n.get("streamId").asText(), "key = streamId");
          ids.add(n.get("sampleId").asText());
          quietSince = System.currentTimeMillis();
        }
      }
    }
    return ids;
  }

  /** Why /usr/bin/python3 cannot run the examples, or null when it can. */
  static String pythonModulesMissing() throws InterruptedException {
    if (!Files.isExecutable(Path.of(PYTHON))) return "no " + PYTHON;
    try {
      Run r =
          run(
              Duration.ofSeconds(60),
              List.of(PYTHON, "-c", "import confluent_kafka, avro.schema, avro.io"));
      return r.code == 0
          ? null
          : PYTHON
              + " lacks python3-confluent-kafka or python3-avro (apt-get install"
              + " python3-confluent-kafka python3-avro): "
              + r.stderr.strip();
    } catch (IOException e) {
      return "cannot run " + PYTHON + ": " + e;
    }
  }

  static Run python(Duration timeout, String script, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, EXAMPLES.resolve(script).toString()));
    cmd.addAll(List.of(args));
    return run(timeout, cmd);
  }

  record Run(int code, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout: " + tail(stdout) + "\nstderr: " + tail(stderr);
    }

    private static String tail(String s) {
      return s.length() > 3000 ? "..." + s.substring(s.length() - 3000) : s;
    }
  }

  static Run run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("py-it-out", ".txt");
    Path err = Files.createTempFile("py-it-err", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return new Run(
            -1, Files.readString(out), "timed out after " + timeout + "\n" + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
