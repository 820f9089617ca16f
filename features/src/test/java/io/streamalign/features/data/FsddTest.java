package io.streamalign.features.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.FeatureException;
import io.streamalign.features.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsddTest {
  private static final String HEADER =
      "path,digit,speaker,index,split,tar_offset,size,sha256,sample_rate,channels,bits,frames";

  @Test
  void loadsAllClipsWithDocumentedCounts() {
    List<Fsdd.Clip> clips = TestData.fsddOrSkip();
    assertEquals(3000, clips.size());
    int[] perDigit = new int[10];
    Map<String, Integer> perSpeaker = new TreeMap<>();
    int train = 0;
    int test = 0;
    double seconds = 0;
    for (Fsdd.Clip c : clips) {
      perDigit[c.digit()]++;
      perSpeaker.merge(c.speaker(), 1, Integer::sum);
      assertEquals(8000, c.sampleRate(), c.path());
      assertEquals(c.index() < 5, c.isTest(), c.path());
      assertEquals(
          "recordings/" + c.digit() + "_" + c.speaker() + "_" + c.index() + ".wav", c.path());
      assertTrue(c.pcm().length > 1000, c.path());
      if (c.isTest()) {
        test++;
      } else {
        train++;
      }
      seconds += c.durationSeconds();
    }
    assertArrayEquals(new int[] {300, 300, 300, 300, 300, 300, 300, 300, 300, 300}, perDigit);
    assertEquals(2700, train);
    assertEquals(300, test);
    assertEquals(6, perSpeaker.size());
    perSpeaker.values().forEach(n -> assertEquals(500, n));
    assertEquals(1312, seconds, 1.0); // README: 1,312 s in total
    assertEquals(
        "seven", clips.stream().filter(c -> c.digit() == 7).findFirst().orElseThrow().word());
    // the WAV round trip reproduces the original file's samples
    Fsdd.Clip first = clips.get(0);
    assertArrayEquals(first.pcm(), Wav.parse(first.toWav()).samples());
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** A tiny fsdd/ with one clip at offset 512 of a fake tar; returns the data dir. */
  private static Path fixture(Path dir, byte[] wav, String shaOverride, int frames)
      throws Exception {
    Files.createDirectories(dir.resolve("fsdd"));
    byte[] tar = new byte[512 + wav.length + 512];
    System.arraycopy(wav, 0, tar, 512, wav.length);
    Files.write(dir.resolve(Fsdd.TAR), tar);
    String row =
        String.join(
            ",",
            "recordings/3_theo_7.wav",
            "3",
            "theo",
            "7",
            "train",
            "512",
            String.valueOf(wav.length),
            shaOverride != null ? shaOverride : sha(wav),
            "8000",
            "1",
            "16",
            String.valueOf(frames));
    Files.writeString(dir.resolve(Fsdd.INDEX), HEADER + "\n" + row + "\n", StandardCharsets.UTF_8);
    return dir;
  }

  @Test
  void fixtureLoads(@TempDir Path dir) throws Exception {
    short[] pcm = {1, -2, 300, -400, 5};
    List<Fsdd.Clip> clips = Fsdd.load(fixture(dir, Wav.write(pcm, 8000, 1), null, 5));
    assertEquals(1, clips.size());
    Fsdd.Clip c = clips.get(0);
    assertEquals(3, c.digit());
    assertEquals("theo", c.speaker());
    assertEquals(7, c.index());
    assertEquals("train", c.split());
    assertArrayEquals(pcm, c.pcm());
  }

  @Test
  void corruptRecordingsGiveClearErrors(@TempDir Path dir) throws Exception {
    byte[] wav = Wav.write(new short[] {1, 2, 3}, 8000, 1);
    byte[] bad = wav.clone();
    bad[0] = 'X';
    FeatureException e =
        assertThrows(FeatureException.class, () -> Fsdd.load(fixture(dir, bad, null, 3)));
    assertTrue(
        e.getMessage().contains("3_theo_7.wav") && e.getMessage().contains("RIFF"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class, () -> Fsdd.load(fixture(dir, wav, "00".repeat(32), 3)));
    assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    e = assertThrows(FeatureException.class, () -> Fsdd.load(fixture(dir, wav, null, 4)));
    assertTrue(e.getMessage().contains("frames"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> Fsdd.load(fixture(dir, Wav.write(new short[] {1, 2}, 8000, 2), null, 1)));
    assertTrue(e.getMessage().contains("mono"), e.getMessage());
    e =
        assertThrows(
            FeatureException.class,
            () -> Fsdd.load(fixture(dir, Wav.write(new short[] {1, 2}, 16000, 1), null, 2)));
    assertTrue(e.getMessage().contains("16000"), e.getMessage());
  }

  @Test
  void badIndexGivesClearErrors(@TempDir Path dir) throws Exception {
    fixture(dir, Wav.write(new short[] {1, 2, 3}, 8000, 1), null, 3);
    Files.writeString(dir.resolve(Fsdd.INDEX), "path,digit\nx,1\n");
    FeatureException e = assertThrows(FeatureException.class, () -> Fsdd.load(dir));
    assertTrue(e.getMessage().contains("speaker"), e.getMessage());
    Files.writeString(
        dir.resolve(Fsdd.INDEX),
        HEADER + "\nrecordings/a.wav,3,theo,7,train,999999,44,,8000,1,16,0\n");
    e = assertThrows(FeatureException.class, () -> Fsdd.load(dir));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
    Files.writeString(
        dir.resolve(Fsdd.INDEX),
        HEADER + "\nrecordings/a.wav,three,theo,7,train,0,44,,8000,1,16,0\n");
    e = assertThrows(FeatureException.class, () -> Fsdd.load(dir));
    assertTrue(e.getMessage().contains("bad number"), e.getMessage());
  }

  @Test
  void missingFilesAreIoErrors(@TempDir Path dir) throws IOException {
    assertThrows(java.io.UncheckedIOException.class, () -> Fsdd.load(dir));
  }
}
