package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Records serialized by an earlier build (test resources {@code fixtures/<Record>-gen<N>.bin}) must
 * still decode, field for field, so that a schema change that would strand data already on the
 * topics fails here. Generation 1 was written by schemas 0.1.0 with {@link GoldenFixtures}.
 */
class GoldenFixturesTest {
  private static final int[] GENERATIONS = {1};

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void everyFixtureDecodesToTheRecordItWasWrittenFrom() throws IOException {
    List<SpecificRecord> expected = new SampleRecords(1).all();
    for (int gen : GENERATIONS) {
      for (SpecificRecord want : expected) {
        String name = "/fixtures/" + GoldenFixtures.fileName(want.getClass(), gen);
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream(name)) {
          assertNotNull(in, "missing fixture " + name);
          bytes = in.readAllBytes();
        }
        SpecificRecord got =
            (SpecificRecord) ((AvroSerde) AvroSerde.of(want.getClass())).decode(bytes);
        long fp =
            java.nio.ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = KnownSchemas.byFingerprint(fp);
        for (Schema.Field f : writer.getFields()) {
          Schema.Field now = want.getSchema().getField(f.name());
          if (now != null) {
            assertEquals(want.get(now.pos()), got.get(now.pos()), name + " field " + f.name());
          }
        }
      }
    }
  }
}
