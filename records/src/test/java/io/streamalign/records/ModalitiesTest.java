package io.streamalign.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.Modality;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModalitiesTest {

  @Test
  void mapsEveryModalityBothWays() {
    for (Modality m : Modality.values()) {
      io.streamalign.schemas.avro.Modality a = Modalities.toAvro(m);
      assertEquals(m.name(), a.name());
      assertEquals(m, Modalities.toModel(a));
    }
    assertEquals(io.streamalign.schemas.avro.Modality.values().length, Modality.values().length);
    assertEquals(
        Set.of(Modality.AUDIO, Modality.TEXT),
        Modalities.toModel(
            List.of(
                io.streamalign.schemas.avro.Modality.TEXT,
                io.streamalign.schemas.avro.Modality.AUDIO)));
    assertEquals(
        List.of(
            io.streamalign.schemas.avro.Modality.VIDEO, io.streamalign.schemas.avro.Modality.TEXT),
        Modalities.toAvro(Set.of(Modality.TEXT, Modality.VIDEO)));
    assertTrue(Modalities.toModel((List<io.streamalign.schemas.avro.Modality>) null).isEmpty());
  }

  @Test
  void parsesUserTextAndNamesTheChoicesOtherwise() {
    assertEquals(Modality.AUDIO, Modalities.parse(" audio "));
    assertEquals(Modality.VIDEO, Modalities.parse("VIDEO"));
    InvalidRecordException e =
        assertThrows(InvalidRecordException.class, () -> Modalities.parse("smell"));
    assertTrue(
        e.getMessage().contains("smell") && e.getMessage().contains("video"), e.getMessage());
    assertThrows(InvalidRecordException.class, () -> Modalities.parse(" "));
    assertThrows(
        InvalidRecordException.class,
        () -> Modalities.toModel((io.streamalign.schemas.avro.Modality) null));
  }
}
