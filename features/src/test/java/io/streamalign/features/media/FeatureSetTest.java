package io.streamalign.features.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.FeatureException;
import io.streamalign.features.data.Wav;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Media files featurize exactly as the raw frames and PCM chunks of the same content do. */
class FeatureSetTest {

  private final FeatureSet f = FeatureSet.defaults();

  @Test
  void aPngOrJpegFileIsTheFrameAndAWavFileIsTheChunkOfTheSameContent() throws Exception {
    byte[] gray = new byte[28 * 28];
    new Random(1).nextBytes(gray);
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, 28, 28, gray);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(img, "png", png);
    assertEquals("PNG", FeatureSet.imageEncoding(png.toByteArray()));
    assertArrayEquals(
        f.video().featurize(28, 28, 1, "RAW8", gray), f.image(png.toByteArray()), 1e-6f);
    ByteArrayOutputStream jpg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpeg", jpg);
    assertEquals("JPEG", FeatureSet.imageEncoding(jpg.toByteArray()));
    assertEquals(
        f.videoShape()[0] * f.videoShape()[1] * f.videoShape()[2],
        f.image(jpg.toByteArray()).length);

    short[] stereo = new short[2 * 8000];
    for (int i = 0; i < stereo.length; i++)
      stereo[i] = (short) (Math.sin(i * 0.05) * 9000 + (i % 2) * 500);
    ByteBuffer pcm = ByteBuffer.allocate(stereo.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : stereo) pcm.putShort(s);
    assertArrayEquals(
        f.audio().featurizePcm16le(pcm.array(), 16000, 2),
        f.wav(Wav.write(stereo, 16000, 2)),
        1e-6f);
    assertArrayEquals(f.text().featurize("a seven"), f.text("a seven"), 0f);
    assertEquals(f.text().vocab(), f.textShape()[0]);
  }

  @Test
  void otherBytesAreRefusedWithAReason() {
    FeatureException notImage =
        assertThrows(FeatureException.class, () -> f.image("GIF89a....".getBytes()));
    assertTrue(notImage.getMessage().contains("not a PNG or JPEG"), notImage.getMessage());
    assertThrows(FeatureException.class, () -> f.wav("RIFF....WAVE".getBytes()));
    assertThrows(FeatureException.class, () -> f.text(null));
  }
}
