package io.streamalign.ingest.source.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FilesSourceTest {
  @TempDir Path root;

  @Test
  void publishesEachReadableSampleWithOneSeqAndSkipsBadFiles() throws Exception {
    TestDirs.mixed(root);
    RecordingSink sink = new RecordingSink();
    FilesSource src =
        new FilesSource(
            sink, root, FilesOptions.defaults("files").withRate(0).withStartTimeMs(1_000));
    FilesProgress p = src.run();
    assertTrue(p.done());
    // cat/001, dog/001, cat/002, dog/002, dog/003 (bad, empty, trunc have no usable file)
    assertEquals(5, p.samples());
    assertEquals(
        4, p.unreadable(), src.problems().toString()); // duplicate dog/003.png + 3 bad files
    assertEquals(0, p.failures());
    assertEquals(5, sink.labels.size());
    assertEquals(
        List.of("cat", "dog", "cat", "dog", "dog"),
        sink.labels.stream().map(LabelEvent::getClassName).toList());
    for (int i = 0; i < 5; i++) {
      LabelEvent l = sink.labels.get(i);
      assertEquals(1_000 + 100L * i, l.getEventTimeMs());
      assertEquals(l.getEventTimeMs(), l.getStartTimeMs());
      assertEquals(l.getEventTimeMs() + 100, l.getEndTimeMs());
      assertNull(l.getModality());
      assertEquals("files", l.getStreamId());
    }
    // frames: cat/001 (seq 0, PNG), cat/002 (seq 2, gray JPEG), dog/003 (seq 4, JPEG)
    assertEquals(List.of(0L, 2L, 4L), sink.frames.stream().map(VideoFrame::getSeq).toList());
    VideoFrame f0 = sink.frames.get(0);
    assertEquals(FrameEncoding.PNG, f0.getEncoding());
    assertEquals(8, f0.getWidth());
    assertEquals(6, f0.getHeight());
    assertEquals(1_000, f0.getEventTimeMs());
    assertEquals(
        java.nio.ByteBuffer.wrap(Files.readAllBytes(root.resolve("cat/001.png"))), f0.getData());
    assertEquals(1, sink.frames.get(1).getChannels());
    // chunks: cat/001 (seq 0, same seq + time as its frame), dog/001 (seq 1, stereo 16 kHz)
    assertEquals(List.of(0L, 1L), sink.chunks.stream().map(AudioChunk::getSeq).toList());
    AudioChunk c0 = sink.chunks.get(0);
    assertEquals(f0.getEventTimeMs(), c0.getEventTimeMs());
    assertEquals(8000, c0.getSampleRate());
    assertEquals(1600, c0.getData().remaining());
    assertEquals(2, sink.chunks.get(1).getChannels());
    assertEquals(16000, sink.chunks.get(1).getSampleRate());
    assertEquals(3200, sink.chunks.get(1).getData().remaining());
    assertEquals(
        List.of("a cat meows", "a dog barks"),
        sink.texts.stream().map(TextSegment::getText).toList());
    assertEquals(List.of(0L, 3L), sink.texts.stream().map(TextSegment::getSeq).toList());
  }

  @Test
  void loopsUntilTheLimitAndReportsEachBadFileOnce() throws Exception {
    TestDirs.mixed(root);
    RecordingSink sink = new RecordingSink();
    List<FilesProgress> reports = new ArrayList<>();
    FilesSource src =
        new FilesSource(
            sink,
            root,
            FilesOptions.defaults("loop")
                .withRate(0)
                .withLoop(true)
                .withLimit(12)
                .withProgress(reports::add, Duration.ofHours(1)));
    FilesProgress p = src.run();
    assertEquals(12, p.samples());
    assertEquals(2, p.passes(), "two full passes of 5, third pass cut by the limit");
    assertEquals(4, p.unreadable());
    assertEquals(12, sink.labels.size());
    List<Long> seqs = new ArrayList<>();
    sink.labels.forEach(
        l -> seqs.add((l.getEventTimeMs() - sink.labels.get(0).getEventTimeMs()) / 100));
    for (int i = 0; i < 12; i++) assertEquals(i, seqs.get(i));
    assertEquals("cat", sink.labels.get(5).getClassName()); // second pass starts over
    assertEquals(
        5L, sink.frames.stream().filter(f -> f.getSeq() == 5).findFirst().orElseThrow().getSeq());
    assertEquals(1, reports.size());
    assertTrue(reports.get(0).done());
  }

  @Test
  void pacesToTheRate() throws Exception {
    TestDirs.mixed(root);
    RecordingSink sink = new RecordingSink();
    long t0 = System.nanoTime();
    FilesProgress p =
        new FilesSource(sink, root, FilesOptions.defaults("paced").withRate(25).withLimit(5)).run();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(5, p.samples());
    assertTrue(ms >= 150, "5 samples at 25/s take >= 160 ms of pacing, took " + ms);
    for (int i = 1; i < 5; i++) {
      assertEquals(
          40, sink.labels.get(i).getEventTimeMs() - sink.labels.get(i - 1).getEventTimeMs());
    }
  }

  @Test
  void startStopOnItsOwnThread() throws Exception {
    TestDirs.mixed(root);
    RecordingSink sink = new RecordingSink();
    FilesSource src =
        new FilesSource(sink, root, FilesOptions.defaults("bg").withRate(20).withLoop(true));
    src.start();
    long deadline = System.currentTimeMillis() + 15_000;
    while (src.progress().samples() < 2 && System.currentTimeMillis() < deadline) Thread.sleep(20);
    src.stop();
    FilesProgress p = src.await(Duration.ofSeconds(5));
    assertNotNull(p);
    assertTrue(p.done());
    assertTrue(p.samples() >= 2, "samples " + p.samples());
    Thread.sleep(200);
    assertEquals(p.samples(), sink.labels.size(), "nothing is sent after stop");
  }

  @Test
  void missingDirectoryFailsClearly() {
    FilesSource src =
        new FilesSource(new RecordingSink(), root.resolve("missing"), FilesOptions.defaults("x"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, src::run);
    assertTrue(e.getMessage().contains("not a directory"));
  }
}
