package io.streamalign.ingest.source.files;

import io.streamalign.features.data.Wav;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes class-folder trees for the files-source tests. */
final class TestDirs {
  private TestDirs() {}

  static void png(Path file, int w, int h, Color c) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, w, h);
    g.dispose();
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no png writer");
  }

  static void grayJpeg(Path file, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, (x * 255) / w);
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(img, "jpeg", file.toFile())) throw new IOException("no jpeg writer");
  }

  static short[] tone(int n, int rate, double hz) {
    short[] s = new short[n];
    for (int i = 0; i < n; i++)
      s[i] = (short) Math.round(8000 * Math.sin(2 * Math.PI * hz * i / rate));
    return s;
  }

  static void wav(Path file, short[] samples, int rate, int channels) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, Wav.write(samples, rate, channels));
  }

  static void text(Path file, String s) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }

  /**
   * cat/001.{png,wav,txt} (full sample), cat/002.jpg (gray, lone), dog/001.wav (stereo, lone),
   * dog/002.txt, dog/003.png + dog/003.jpeg (duplicate image), and bad files dog/bad.png (garbage),
   * dog/trunc.wav (truncated), dog/empty.txt (blank); plus ignored files (notes.md, .hidden/,
   * top-level file).
   */
  static void mixed(Path root) throws IOException {
    png(root.resolve("cat/001.png"), 8, 6, Color.ORANGE);
    wav(root.resolve("cat/001.wav"), tone(800, 8000, 440), 8000, 1);
    text(root.resolve("cat/001.txt"), "\uFEFF  a cat meows \n");
    grayJpeg(root.resolve("cat/002.jpg"), 10, 12);
    wav(root.resolve("dog/001.wav"), tone(1600, 16000, 220), 16000, 2);
    text(root.resolve("dog/002.txt"), "a dog barks");
    png(root.resolve("dog/003.png"), 5, 5, Color.BLUE);
    grayJpeg(root.resolve("dog/003.jpeg"), 5, 5);
    Files.write(
        root.resolve("dog/bad.png"), "this is not an image".getBytes(StandardCharsets.US_ASCII));
    byte[] wav = Wav.write(tone(400, 8000, 300), 8000, 1);
    Files.write(root.resolve("dog/trunc.wav"), java.util.Arrays.copyOf(wav, 30));
    text(root.resolve("dog/empty.txt"), "  \n");
    text(root.resolve("dog/notes.md"), "ignored");
    text(root.resolve(".hidden/x.txt"), "ignored");
    text(root.resolve("top.txt"), "ignored");
  }
}
