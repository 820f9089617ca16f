package io.streamalign.features.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.FeatureException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WavTest {

  @Test
  void writeThenParseRoundTrips() {
    short[] s = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 1234};
    byte[] wav = Wav.write(s, 8000, 1);
    assertEquals(44 + 12, wav.length);
    assertEquals("RIFF", new String(wav, 0, 4, StandardCharsets.US_ASCII));
    Wav.Audio a = Wav.parse(wav);
    assertEquals(8000, a.sampleRate());
    assertEquals(1, a.channels());
    assertArrayEquals(s, a.samples());
    assertEquals(6, a.frames());

    Wav.Audio st = Wav.parse(Wav.write(new short[] {10, 20, 30, 50}, 44100, 2));
    assertEquals(2, st.channels());
    assertEquals(2, st.frames());
    assertArrayEquals(new short[] {15, 40}, st.mono());
  }

  @Test
  void extraChunksAreSkipped() {
    byte[] plain = Wav.write(new short[] {5, -5, 7}, 16000, 1);
    // insert an odd-sized LIST chunk (padded to even) between fmt and data
    byte[] list =
        ByteBuffer.allocate(8 + 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .put("LIST".getBytes(StandardCharsets.US_ASCII))
            .putInt(3)
            .put(new byte[] {1, 2, 3, 0})
            .array();
    byte[] wav = new byte[plain.length + list.length];
    System.arraycopy(plain, 0, wav, 0, 36);
    System.arraycopy(list, 0, wav, 36, list.length);
    System.arraycopy(plain, 36, wav, 36 + list.length, plain.length - 36);
    assertArrayEquals(new short[] {5, -5, 7}, Wav.parse(wav).samples());
  }

  private static byte[] patched(int offset, byte[] value) {
    byte[] wav = Wav.write(new short[] {1, 2, 3, 4}, 8000, 1);
    System.arraycopy(value, 0, wav, offset, value.length);
    return wav;
  }

  private static byte[] le16(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8)};
  }

  @Test
  void corruptHeadersGiveClearErrors() {
    FeatureException e =
        assertThrows(
            FeatureException.class,
            () -> Wav.parse(patched(0, "RIFX".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(e.getMessage().contains("RIFF"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> Wav.parse(patched(8, "AVI ".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(e.getMessage().contains("WAVE"), e.getMessage());
    e = assertThrows(FeatureException.class, () -> Wav.parse(patched(20, le16(3)))); // IEEE float
    assertTrue(e.getMessage().contains("not PCM"), e.getMessage());
    e = assertThrows(FeatureException.class, () -> Wav.parse(patched(34, le16(8))));
    assertTrue(e.getMessage().contains("8 bits"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> Wav.parse(patched(12, "junk".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(e.getMessage().contains("fmt"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> Wav.parse(patched(36, "dat?".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(e.getMessage().contains("no data chunk"), e.getMessage());
    byte[] full = Wav.write(new short[] {1, 2, 3, 4}, 8000, 1);
    e =
        assertThrows(
            FeatureException.class,
            () -> Wav.parse(java.util.Arrays.copyOf(full, full.length - 2)));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertThrows(FeatureException.class, () -> Wav.parse(new byte[5]));
    assertThrows(FeatureException.class, () -> Wav.parse(null));
    assertThrows(FeatureException.class, () -> Wav.write(new short[3], 8000, 2));
  }
}
