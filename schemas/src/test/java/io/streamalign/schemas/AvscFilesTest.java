package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed {@code schemas/avsc/} files are exactly what the build generates from the Java
 * schemas, and each (current or historical) parses on its own with a fresh Avro parser.
 */
class AvscFilesTest {

  /** The committed files (the test runs in the module directory). */
  static final Path COMMITTED = Path.of("avsc");

  /** Written by the build in process-classes (AvscFiles, exec-maven-plugin). */
  static final Path GENERATED = Path.of("target", "avsc");

  static final String REFRESH =
      "refresh with ./mvnw -pl schemas process-classes -Davsc.dir=avsc, after copying the"
          + " committed file to schemas/avsc/history/<Record>/v<N>.avsc if the schema changed (README.md, Schema evolution)";

  @Test
  void committedFilesAreWhatTheBuildGenerates() throws IOException {
    assertTrue(
        Files.isDirectory(GENERATED),
        "the build writes " + GENERATED.toAbsolutePath() + " in process-classes");
    List<String> differ = new ArrayList<>();
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      String name = AvscFiles.fileName(type);
      String generated = Files.readString(GENERATED.resolve(name), StandardCharsets.UTF_8);
      assertEquals(
          AvscFiles.render(type), generated, "target/avsc/" + name + " is the generated schema");
      Path committed = COMMITTED.resolve(name);
      if (!Files.exists(committed)
          || !Files.readString(committed, StandardCharsets.UTF_8).equals(generated)) {
        differ.add(name);
      }
    }
    assertEquals(List.of(), differ, "schemas/avsc/ differs from the Java schemas: " + REFRESH);
    assertEquals(
        fileNames(GENERATED),
        fileNames(COMMITTED),
        "schemas/avsc/ holds one file per topic value, no more");
  }

  @Test
  void everyFileParsesOnItsOwnToTheJavaSchema() throws IOException {
    for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
      String text =
          Files.readString(COMMITTED.resolve(AvscFiles.fileName(type)), StandardCharsets.UTF_8);
      Schema parsed = new Schema.Parser().parse(text);
      Schema current = KnownSchemas.currentSchema(type);
      assertEquals(
          SchemaNormalization.toParsingForm(current),
          SchemaNormalization.toParsingForm(parsed),
          AvscFiles.fileName(type));
      assertEquals(KnownSchemas.fingerprint(current), KnownSchemas.fingerprint(parsed));
      assertEquals(current.getDoc(), parsed.getDoc());
      assertTrue(
          !text.contains("avro.java"), "no Java-only properties in " + AvscFiles.fileName(type));
    }
    try (Stream<Path> files = Files.walk(COMMITTED.resolve("history"))) {
      for (Path f :
          files.filter(p -> p.toString().endsWith(".avsc")).collect(Collectors.toList())) {
        Schema old = new Schema.Parser().parse(f.toFile());
        assertEquals(
            f.getParent().getFileName().toString(),
            old.getName(),
            f + " is a version of its folder's record");
      }
    }
  }

  @Test
  void writeAllWritesOneFilePerRecord(@TempDir Path dir) throws IOException {
    List<Path> written = AvscFiles.writeAll(dir.resolve("out"));
    assertEquals(KnownSchemas.RECORDS.size(), written.size());
    assertEquals(fileNames(GENERATED), fileNames(dir.resolve("out")));
    assertTrue(Files.readString(written.get(0)).endsWith("}\n"));
  }

  private static Set<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".avsc"))
          .map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
