package io.streamalign.schemas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes the serialized-format fixtures that {@link GoldenFixturesTest} reads: one single-object
 * encoded record per type, from {@code new SampleRecords(1)}.
 *
 * <p>Run by hand only when deliberately adding a fixture generation (never to "fix" a failing
 * fixture test: that test failing means a change broke reading data already on the topics): {@code
 * java -cp <test classpath> io.streamalign.schemas.GoldenFixtures src/test/resources/fixtures 1}
 */
final class GoldenFixtures {
  private GoldenFixtures() {}

  static String fileName(Class<?> type, int generation) {
    return type.getSimpleName() + "-gen" + generation + ".bin";
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int generation = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    for (SpecificRecord r : new SampleRecords(1).all()) {
      byte[] bytes = ((AvroSerde) AvroSerde.of(r.getClass())).encode(r);
      Path f = dir.resolve(fileName(r.getClass(), generation));
      if (Files.exists(f)) {
        throw new IllegalStateException(f + " exists; fixtures are never overwritten");
      }
      Files.write(f, bytes);
      System.out.println(f + " " + bytes.length + " bytes");
    }
  }
}
