package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar ({@code app/target/streamalign.jar}, written by the shade plugin in {@code
 * package}) is a lean product: the command, its services and a real Kafka broker, but no test
 * framework, no benchmark harness and no Kafka test kit. An integration test because it reads the
 * packaged artifact, which exists only after {@code package}; it needs no broker.
 */
class RunnableJarIT {

  /** Package prefixes that must never reach the product, and where each one belongs instead. */
  private static final List<String> FORBIDDEN =
      List.of(
          "org/junit/", // JUnit: test scope (testkit)
          "org/opentest4j/", // JUnit's assertion errors
          "org/openjdk/jmh/", // JMH: microbench module only
          "org/apache/kafka/common/test/", // Kafka's test kit (KafkaClusterTestKit)
          "io/streamalign/testkit/", // the JUnit extension
          "io/streamalign/microbench/");

  @Test
  void theRunnableJarHoldsNoTestOrBenchmarkHarness() throws IOException {
    Path jar = Path.of("target", "streamalign.jar");
    assertTrue(
        Files.isRegularFile(jar),
        "no " + jar.toAbsolutePath() + ": it is built in the package phase");
    TreeMap<String, Integer> found = new TreeMap<>();
    int classes = 0;
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry entry : (Iterable<JarEntry>) file.stream()::iterator) {
        String name = entry.getName();
        if (!name.endsWith(".class")) {
          continue;
        }
        classes++;
        for (String prefix : FORBIDDEN) {
          if (name.startsWith(prefix)) {
            found.merge(prefix, 1, Integer::sum);
          }
        }
      }
      // what the product needs is there: the command, the embedded broker's server classes
      assertTrue(file.getEntry("io/streamalign/app/StreamAlignCli.class") != null, "the command");
      assertTrue(
          file.getEntry("kafka/server/KafkaRaftServer.class") != null,
          "Kafka's server (streamalign broker)");
      assertTrue(
          file.getEntry("org/apache/kafka/metadata/storage/Formatter.class") != null,
          "Kafka's storage formatter");
      assertTrue(
          file.getEntry("io/streamalign/bench/BenchRunner.class") != null, "streamalign bench");
      Manifest manifest = file.getManifest();
      assertEquals(
          StreamAlignCli.class.getName(), manifest.getMainAttributes().getValue("Main-Class"));
    }
    assertTrue(classes > 1000, "read a real jar: " + classes + " classes");
    assertEquals(
        new TreeMap<String, Integer>(),
        found,
        "classes that belong to test or bench scope only, by package");
  }
}
