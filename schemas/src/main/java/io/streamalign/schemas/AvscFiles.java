package io.streamalign.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes the self-contained {@code .avsc} file of every topic value (README.md, "Schema
 * evolution").
 *
 * <p>The files are the generated classes' schemas, pretty-printed by Avro: every named type ({@code
 * Modality}, {@code FeatureTensor}, ...) is defined inline at its first use, so any Avro library
 * parses a file on its own, without the {@code common/} types or an order of imports. The build
 * runs {@link #main} in {@code process-classes} to write them to {@code target/avsc/}; {@code
 * AvscFilesTest} fails when the committed {@code schemas/avsc/} differs. To refresh the committed
 * files after a schema change: {@code ./mvnw -pl schemas process-classes -Davsc.dir=avsc}.
 */
public final class AvscFiles {

  private AvscFiles() {}

  /** The file name of a record's schema: {@code <Record>.avsc}. */
  public static String fileName(Class<? extends SpecificRecord> type) {
    return KnownSchemas.currentSchema(type).getName() + ".avsc";
  }

  /**
   * The content of a record's self-contained schema file (pretty JSON, LF line ends, final
   * newline).
   */
  public static String render(Class<? extends SpecificRecord> type) {
    return render(KnownSchemas.currentSchema(type));
  }

  static String render(Schema schema) {
    // The Java-only property avro.java.string ("use java.lang.String") means nothing to other
    // libraries
    // and makes some (python3-avro 1.11) write {"type":"string"} into the canonical form, so their
    // fingerprint would differ from Java's: drop it. Properties are not part of the canonical form,
    // so
    // the fingerprint stays the one Java writes (checked below).
    String json = JAVA_STRING_PROP.matcher(schema.toString(true)).replaceAll("");
    json = BARE_STRING.matcher(json).replaceAll("\"string\"").replace("\r\n", "\n") + "\n";
    Schema reparsed = new Schema.Parser().parse(json);
    if (KnownSchemas.fingerprint(reparsed) != KnownSchemas.fingerprint(schema)) {
      throw new IllegalStateException(
          "the .avsc of " + schema.getFullName() + " changed the schema's fingerprint");
    }
    return json;
  }

  private static final Pattern JAVA_STRING_PROP =
      Pattern.compile(",\\s*\"avro\\.java\\.string\"\\s*:\\s*\"String\"");
  private static final Pattern BARE_STRING =
      Pattern.compile("\\{\\s*\"type\"\\s*:\\s*\"string\"\\s*\\}");

  /**
   * Writes one file per topic value ({@link KnownSchemas#RECORDS}) into {@code dir}; returns the
   * paths.
   */
  public static List<Path> writeAll(Path dir) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (Class<? extends SpecificRecord> type : KnownSchemas.RECORDS) {
        Path file = dir.resolve(fileName(type));
        Files.writeString(file, render(type), StandardCharsets.UTF_8);
        written.add(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the .avsc files to " + dir, e);
    }
    return written;
  }

  /** {@code AvscFiles DIR}: writes the files into DIR. */
  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: AvscFiles OUTPUT_DIR");
    }
    List<Path> files = writeAll(Path.of(args[0]));
    System.out.println(
        "wrote " + files.size() + " .avsc files to " + Path.of(args[0]).toAbsolutePath());
  }
}
