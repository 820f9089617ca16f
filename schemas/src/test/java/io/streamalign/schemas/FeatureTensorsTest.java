package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.FeatureTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureTensorsTest {

  @Test
  void roundTripKeepsEveryBitIncludingSpecialValues() {
    float[] v = {
      0f,
      -0f,
      1.5f,
      -3.25e-12f,
      Float.MIN_VALUE,
      Float.MAX_VALUE,
      Float.NaN,
      Float.NEGATIVE_INFINITY
    };
    FeatureTensor t = FeatureTensors.of(v, 2, 4);
    assertEquals(List.of(2, 4), t.getShape());
    float[] back = FeatureTensors.toFloats(t);
    assertEquals(v.length, back.length);
    for (int i = 0; i < v.length; i++) {
      assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]), "index " + i);
    }
  }

  @Test
  void dataIsFloat32LittleEndianRowMajor() {
    FeatureTensor t = FeatureTensors.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
    ByteBuffer d = t.getData().duplicate();
    assertEquals(24, d.remaining());
    assertEquals(0x00, d.get(0)); // 1.0f = 0x3F800000, little-endian: 00 00 80 3F
    assertEquals((byte) 0x80, d.get(2));
    assertEquals(0x3F, d.get(3));
    assertEquals(6f, d.order(ByteOrder.LITTLE_ENDIAN).getFloat(20)); // element [1][2]
  }

  @Test
  void toFloatsDoesNotDisturbTheBuffer() {
    FeatureTensor t = FeatureTensors.of(new float[] {1f, 2f}, 2);
    FeatureTensors.toFloats(t);
    assertArrayEquals(new float[] {1f, 2f}, FeatureTensors.toFloats(t));
    assertEquals(0, t.getData().position());
  }

  @Test
  void survivesAvroRoundTripInAnEnclosingRecord() {
    float[] v = new SampleRecords(3).gaussian(40 * 64);
    io.streamalign.schemas.avro.SupportExample ex =
        io.streamalign.schemas.avro.SupportExample.newBuilder()
            .setExampleId("x")
            .setClassName("c")
            .setModality(io.streamalign.schemas.avro.Modality.AUDIO)
            .setFeatures(FeatureTensors.of(v, 40, 64))
            .setEventTimeMs(1)
            .build();
    AvroSerde<io.streamalign.schemas.avro.SupportExample> serde =
        AvroSerde.of(io.streamalign.schemas.avro.SupportExample.class);
    assertArrayEquals(v, FeatureTensors.toFloats(serde.decode(serde.encode(ex)).getFeatures()));
  }

  @Test
  void shapeMismatchIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FeatureTensors.of(new float[5], 2, 3));
    assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FeatureTensors.of(new float[4]));
    assertThrows(IllegalArgumentException.class, () -> FeatureTensors.of(new float[4], -2, -2));
    assertThrows(IllegalArgumentException.class, () -> FeatureTensors.of(null, 1));
    assertThrows(
        IllegalArgumentException.class, () -> FeatureTensors.of(new float[0], 65536, 65536));

    FeatureTensor lying =
        FeatureTensor.newBuilder().setShape(List.of(3, 3)).setData(ByteBuffer.allocate(32)).build();
    e = assertThrows(IllegalArgumentException.class, () -> FeatureTensors.toFloats(lying));
    assertTrue(e.getMessage().contains("needs 36 bytes"), e.getMessage());
    FeatureTensor ragged =
        FeatureTensor.newBuilder().setShape(List.of(2)).setData(ByteBuffer.allocate(9)).build();
    assertThrows(IllegalArgumentException.class, () -> FeatureTensors.toFloats(ragged));
    FeatureTensor noShape =
        FeatureTensor.newBuilder().setShape(List.of()).setData(ByteBuffer.allocate(4)).build();
    assertThrows(IllegalArgumentException.class, () -> FeatureTensors.toFloats(noShape));
  }

  @Test
  void zeroSizedTensorsAreAllowed() {
    assertEquals(0, FeatureTensors.toFloats(FeatureTensors.of(new float[0], 0, 40)).length);
  }
}
