package io.streamalign.trainer.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

  @Test
  void roundTripsThroughTheSnapshotEntriesAsJson() {
    Provenance p =
        new Provenance(
            "m \"quoted\"",
            7,
            1_700_000_000_000L,
            Map.of("av.paired-1", 42L, "av.paired-0", 9_000_000_000L),
            "streamalign-trainer-m",
            "1.0");
    Map<String, String> entries = p.entries();
    assertTrue(entries.get(Provenance.KEY).startsWith("{"), entries.toString());
    assertTrue(
        entries.get(Provenance.KEY).contains("\"av.paired-0\":9000000000"), entries.toString());
    assertEquals(p, Provenance.from(entries).orElseThrow());
  }

  @Test
  void absentIsEmptyAndGarbageIsAClearError() {
    assertTrue(Provenance.from(Map.of("purpose", "x")).isEmpty());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Provenance.from(Map.of(Provenance.KEY, "{not json")));
    assertTrue(e.getMessage().contains(Provenance.KEY), e.getMessage());
  }
}
