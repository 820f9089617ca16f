package io.streamalign.ingest.source.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes a clip the test records itself with FFmpeg (2 s, 10 fps, 64x48: a white 8x8 square moving
 * right by 2 px per frame on black, and a 440 Hz tone at 16 kHz), then checks frames, motion,
 * pairing seqs and the tone's frequency.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MediaSourceTest {
  static final int W = 64;
  static final int H = 48;
  static final int FPS = 10;
  static final int SECONDS = 2;
  static final int RATE = 16_000;

  @TempDir static Path dir;
  static Path clip;

  static final class Sink implements AvSink {
    final List<VideoFrame> frames = new CopyOnWriteArrayList<>();
    final List<AudioChunk> chunks = new CopyOnWriteArrayList<>();
    final List<LabelEvent> labels = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<?> sendFrame(VideoFrame f) {
      frames.add(f);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendAudio(AudioChunk c) {
      chunks.add(c);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendText(TextSegment t) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendLabel(LabelEvent l) {
      labels.add(l);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void flush() {}
  }

  @BeforeAll
  static void recordClip() throws Exception {
    clip = dir.resolve("square-tone.mkv");
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(clip.toFile(), W, H, 1)) {
      rec.setFormat("matroska");
      rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      rec.setFrameRate(FPS);
      rec.setGopSize(FPS);
      rec.setVideoQuality(2);
      rec.setAudioCodec(avcodec.AV_CODEC_ID_PCM_S16LE);
      rec.setSampleRate(RATE);
      rec.setAudioChannels(1);
      rec.start();
      int perFrame = RATE / FPS;
      for (int k = 0; k < FPS * SECONDS; k++) {
        Frame f = new Frame(W, H, Frame.DEPTH_UBYTE, 1);
        ByteBuffer b = (ByteBuffer) f.image[0];
        int x0 = squareX(k);
        for (int y = 0; y < H; y++) {
          for (int x = 0; x < W; x++) {
            boolean in = x >= x0 && x < x0 + 8 && y >= 20 && y < 28;
            b.put(y * f.imageStride + x, (byte) (in ? 255 : 0));
          }
        }
        rec.record(f, avutil.AV_PIX_FMT_GRAY8);
        short[] s = new short[perFrame];
        for (int i = 0; i < perFrame; i++) {
          long n = (long) k * perFrame + i;
          s[i] = (short) Math.round(10_000 * Math.sin(2 * Math.PI * 440 * n / RATE));
        }
        rec.recordSamples(RATE, 1, ShortBuffer.wrap(s));
      }
      rec.stop();
    }
    assertTrue(Files.size(clip) > 1000, "clip written");
  }

  static int squareX(int k) {
    return 2 + 2 * k;
  }

  private static Sink decode(MediaOptions o) {
    Sink sink = new Sink();
    MediaProgress p = new MediaSource(sink, clip.toString(), o).run();
    assertTrue(p.done());
    assertEquals(0, p.decodeErrors());
    assertEquals(p.frames(), sink.frames.size());
    assertEquals(p.chunks(), sink.chunks.size());
    return sink;
  }

  @Test
  void grayFramesAtTheNativeRateFollowTheSquareAndPairWithToneChunks() {
    Sink s =
        decode(
            MediaOptions.defaults("cam")
                .withFps(FPS)
                .withGray(true)
                .withStartTimeMs(1_000_000)
                .withClassName("square"));
    int n = s.frames.size();
    assertTrue(Math.abs(n - FPS * SECONDS) <= 1, "frames " + n);
    double prev = -1;
    for (int i = 0; i < n; i++) {
      VideoFrame f = s.frames.get(i);
      assertEquals(i, f.getSeq());
      assertEquals(FrameEncoding.RAW8, f.getEncoding());
      assertEquals(1, f.getChannels());
      assertEquals(W, f.getWidth());
      assertEquals(H, f.getHeight());
      assertEquals(W * H, f.getData().remaining());
      assertEquals(
          1_000_000 + 100L * i, f.getEventTimeMs(), 2.0, "stream timestamps as event time");
      double cx = brightCentroidX(f);
      assertEquals(squareX(i) + 3.5, cx, 1.0, "square of frame " + i);
      assertTrue(cx > prev, "square moves right");
      prev = cx;
    }
    // one chunk per frame, same seq and event time, 100 ms of 16 kHz mono
    assertTrue(s.chunks.size() >= n - 1 && s.chunks.size() <= n, "chunks " + s.chunks.size());
    Map<Long, VideoFrame> bySeq = new HashMap<>();
    s.frames.forEach(f -> bySeq.put(f.getSeq(), f));
    for (AudioChunk c : s.chunks) {
      assertEquals(bySeq.get(c.getSeq()).getEventTimeMs(), c.getEventTimeMs());
      assertEquals(RATE, c.getSampleRate());
      assertEquals(1, c.getChannels());
    }
    for (int i = 0; i < s.chunks.size() - 1; i++) {
      short[] pcm = pcm(s.chunks.get(i));
      assertEquals(RATE / FPS, pcm.length);
      double hz = dominantHz(pcm, RATE);
      assertEquals(440, hz, 10, "dominant frequency of chunk " + i);
    }
    assertEquals(n, s.labels.size());
    assertEquals("square", s.labels.get(0).getClassName());
  }

  @Test
  void sampledToALowerFpsResizedRgbWithLongerChunksAt8kHz() {
    Sink s =
        decode(
            MediaOptions.defaults("cam")
                .withFps(5)
                .withSize(32, 24)
                .withSampleRate(8000)
                .withChunkMs(400));
    int n = s.frames.size();
    assertTrue(Math.abs(n - 5 * SECONDS) <= 1, "frames " + n);
    for (int i = 0; i < n; i++) {
      VideoFrame f = s.frames.get(i);
      assertEquals(FrameEncoding.RGB24, f.getEncoding());
      assertEquals(3, f.getChannels());
      assertEquals(32, f.getWidth());
      assertEquals(24, f.getHeight());
      assertEquals(32 * 24 * 3, f.getData().remaining());
      assertEquals(200L * i, f.getEventTimeMs() - s.frames.get(0).getEventTimeMs(), 2.0);
      // every second source frame: the square (scaled by 1/2) moves 2 px per sampled frame
      assertEquals((squareX(2 * i) + 3.5) / 2, brightCentroidX(f), 1.0, "square of frame " + i);
      byte[] px = bytes(f);
      int idx = (22 / 2 * 32 + (int) Math.round(brightCentroidX(f))) * 3;
      int r = px[idx] & 0xff;
      int g = px[idx + 1] & 0xff;
      int b = px[idx + 2] & 0xff;
      assertTrue(
          r > 150 && Math.abs(r - g) < 30 && Math.abs(r - b) < 30,
          "white square: " + r + "," + g + "," + b);
    }
    int full = 0;
    for (AudioChunk c : s.chunks) {
      assertEquals(8000, c.getSampleRate());
      short[] pcm = pcm(c);
      assertTrue(pcm.length <= 3200);
      if (pcm.length == 3200) {
        full++;
        assertEquals(440, dominantHz(pcm, 8000), 5);
      }
    }
    // chunks of frames at 0..1.6 s are complete (400 ms each), the last ones are cut by the end of
    // the clip
    assertTrue(full >= n - 2, "full chunks " + full + " of " + s.chunks.size());
  }

  @Test
  void decodesFromAnHttpUrl() throws Exception {
    byte[] body = Files.readAllBytes(clip);
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        ex -> {
          try {
            if (ex.getRequestURI().getPath().equals("/live/clip.mkv")) {
              ex.getResponseHeaders().set("Content-Type", "video/x-matroska");
              ex.sendResponseHeaders(200, body.length);
              ex.getResponseBody().write(body);
            } else {
              ex.sendResponseHeaders(404, -1);
            }
          } catch (java.io.IOException e) {
            // client went away
          } finally {
            ex.close();
          }
        });
    http.start();
    try {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/live/clip.mkv";
      Sink s = new Sink();
      MediaProgress p =
          new MediaSource(s, url, MediaOptions.defaults("net").withFps(FPS).withGray(true)).run();
      assertTrue(Math.abs(p.frames() - FPS * SECONDS) <= 1, "frames " + p.frames());
      assertEquals(squareX(5) + 3.5, brightCentroidX(s.frames.get(5)), 1.0);
      assertTrue(s.chunks.size() >= p.frames() - 1, "chunks " + s.chunks.size());
      String missing = "http://127.0.0.1:" + http.getAddress().getPort() + "/live/missing.mkv";
      MediaException e =
          assertThrows(
              MediaException.class,
              () -> new MediaSource(new Sink(), missing, MediaOptions.defaults("net")).run());
      assertTrue(e.getMessage().contains("missing.mkv"), e.getMessage());
    } finally {
      http.stop(0);
    }
  }

  @Test
  void audioOnlyInputGetsChunksOnTheFrameGrid() throws Exception {
    short[] tone = new short[RATE * 3 / 2]; // 1.5 s
    for (int i = 0; i < tone.length; i++)
      tone[i] = (short) Math.round(9000 * Math.sin(2 * Math.PI * 440 * i / RATE));
    Path wav = dir.resolve("tone.wav");
    Files.write(wav, io.streamalign.features.data.Wav.write(tone, RATE, 1));
    Sink s = new Sink();
    MediaProgress p =
        new MediaSource(
                s, wav.toString(), MediaOptions.defaults("mic").withFps(4).withStartTimeMs(5000))
            .run();
    assertEquals(0, s.frames.size());
    assertEquals(6, p.frames(), "moments at 0, 250, ..., 1250 ms");
    assertEquals(6, s.chunks.size());
    for (int i = 0; i < 6; i++) {
      AudioChunk c = s.chunks.get(i);
      assertEquals(i, c.getSeq());
      assertEquals(5000 + 250L * i, c.getEventTimeMs());
      assertEquals(RATE / 4, pcm(c).length);
      assertEquals(440, dominantHz(pcm(c), RATE), 5);
    }
  }

  @Test
  void limitStopsEarly() {
    Sink s = decode(MediaOptions.defaults("cam").withFps(FPS).withGray(true).withLimit(4));
    assertEquals(4, s.frames.size());
    assertEquals(4, s.chunks.size());
  }

  @Test
  void badInputsGiveClearErrors() throws Exception {
    Path missing = dir.resolve("no-such-clip.mp4");
    MediaException e =
        assertThrows(
            MediaException.class,
            () ->
                new MediaSource(new Sink(), missing.toString(), MediaOptions.defaults("x")).run());
    assertTrue(
        e.getMessage().contains("not found") && e.getMessage().contains("no-such-clip.mp4"),
        e.getMessage());

    Path garbage = dir.resolve("garbage.mp4");
    Files.write(garbage, "definitely not a media file ".repeat(50).getBytes());
    MediaException g =
        assertThrows(
            MediaException.class,
            () ->
                new MediaSource(new Sink(), garbage.toString(), MediaOptions.defaults("x")).run());
    assertTrue(
        g.getMessage().startsWith("cannot open media") && g.getMessage().contains("garbage.mp4"),
        g.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new MediaSource(new Sink(), "x", MediaOptions.defaults("x").withSize(10, 0)));
  }

  static byte[] bytes(VideoFrame f) {
    byte[] b = new byte[f.getData().remaining()];
    f.getData().duplicate().get(b);
    return b;
  }

  static double brightCentroidX(VideoFrame f) {
    byte[] px = bytes(f);
    int c = f.getChannels();
    double sum = 0;
    int count = 0;
    for (int y = 0; y < f.getHeight(); y++) {
      for (int x = 0; x < f.getWidth(); x++) {
        if ((px[(y * f.getWidth() + x) * c] & 0xff) > 128) {
          sum += x;
          count++;
        }
      }
    }
    assertTrue(count > 0, "frame " + f.getSeq() + " has bright pixels");
    return sum / count;
  }

  static short[] pcm(AudioChunk c) {
    ByteBuffer b = c.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    short[] s = new short[b.remaining() / 2];
    b.asShortBuffer().get(s);
    return s;
  }

  /** Frequency (100-2000 Hz, 1 Hz steps) with the largest DFT magnitude, Hann-windowed. */
  static double dominantHz(short[] pcm, int rate) {
    int n = pcm.length;
    double best = -1;
    double bestHz = 0;
    for (int hz = 100; hz <= 2000; hz++) {
      double re = 0;
      double im = 0;
      double w = 2 * Math.PI * hz / rate;
      for (int i = 0; i < n; i++) {
        double v = pcm[i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)));
        re += v * Math.cos(w * i);
        im -= v * Math.sin(w * i);
      }
      double m = re * re + im * im;
      if (m > best) {
        best = m;
        bestHz = hz;
      }
    }
    return bestHz;
  }
}
