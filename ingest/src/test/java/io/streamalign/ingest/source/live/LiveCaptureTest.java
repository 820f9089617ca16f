package io.streamalign.ingest.source.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.Moment;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LiveCaptureTest {

  /** Keeps every record in the order sent. */
  static final class Sink implements AvSink {
    final List<Object> sent = new ArrayList<>();

    @Override
    public CompletableFuture<?> sendFrame(VideoFrame f) {
      sent.add(f);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendAudio(AudioChunk c) {
      sent.add(c);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendText(TextSegment t) {
      sent.add(t);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<?> sendLabel(LabelEvent l) {
      sent.add(l);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void flush() {}

    <T> List<T> of(Class<T> type) {
      return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Sink sink = new Sink();
  private final LiveCapture capture = new LiveCapture(sink, LiveLimits.defaults(), now::get);

  private static LiveCapture.Input frame(short[] audio, String text, String label) {
    byte[] px = new byte[64 * 64];
    for (int i = 0; i < px.length; i++) px[i] = (byte) i;
    return new LiveCapture.Input(64, 64, px, 16_000, audio, text, label);
  }

  private static short[] ramp(int n, int from) {
    short[] a = new short[n];
    for (int i = 0; i < n; i++) a[i] = (short) (from + i);
    return a;
  }

  private static short[] pcm(AudioChunk c) {
    ByteBuffer b = c.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    short[] out = new short[b.remaining() / 2];
    for (int i = 0; i < out.length; i++) out[i] = b.getShort();
    return out;
  }

  @Test
  void everyRecordOfAMomentSharesItsSeqAndEventTimeInTheOrderOfTheIngestSources() {
    String s = capture.open();
    assertTrue(s.matches("live-[0-9a-f]{12}"), s);
    Moment m0 = capture.publish(s, frame(ramp(1600, 0), "a cup", "cup"));
    now.addAndGet(250);
    Moment m1 = capture.publish(s, frame(ramp(1600, 1600), null, null));

    assertEquals(0, m0.seq());
    assertEquals(1, m1.seq());
    assertEquals(1_000_000, m0.eventTimeMs());
    assertEquals(1_000_250, m1.eventTimeMs());
    // label, caption, frame, chunk; then frame, chunk
    assertEquals(
        List.of(
            LabelEvent.class,
            TextSegment.class,
            VideoFrame.class,
            AudioChunk.class,
            VideoFrame.class,
            AudioChunk.class),
        sink.sent.stream().map(Object::getClass).toList());
    LabelEvent l = sink.of(LabelEvent.class).get(0);
    assertEquals(s, l.getStreamId());
    assertEquals("cup", l.getClassName());
    assertNull(l.getModality(), "the label covers every modality of the moment");
    assertEquals(1_000_000, l.getStartTimeMs());
    assertEquals(1_000_001, l.getEndTimeMs(), "only this moment is labeled");
    for (VideoFrame f : sink.of(VideoFrame.class)) {
      assertEquals(FrameEncoding.RAW8, f.getEncoding());
      assertEquals(1, f.getChannels());
      assertEquals(64 * 64, f.getData().remaining());
    }
    assertEquals(
        List.of(0L, 1L), sink.of(VideoFrame.class).stream().map(VideoFrame::getSeq).toList());
    assertEquals(
        List.of(0L, 1L), sink.of(AudioChunk.class).stream().map(AudioChunk::getSeq).toList());
    assertEquals(0L, sink.of(TextSegment.class).get(0).getSeq());
    assertEquals(
        sink.of(VideoFrame.class).get(1).getEventTimeMs(),
        sink.of(AudioChunk.class).get(1).getEventTimeMs());
    assertNull(m1.label(), "no class held: unlabeled");
  }

  @Test
  void theChunkIsTheLastSecondOfAudioEndingAtTheMoment() {
    String s = capture.open();
    capture.publish(s, frame(ramp(6000, 0), null, null));
    now.addAndGet(500);
    capture.publish(s, frame(ramp(8000, 6000), null, null));
    now.addAndGet(500);
    capture.publish(s, frame(ramp(8000, 14000), null, null));
    List<AudioChunk> chunks = sink.of(AudioChunk.class);
    assertArrayEquals(ramp(6000, 0), pcm(chunks.get(0)), "less than a chunk so far: all of it");
    assertArrayEquals(ramp(14000, 0), pcm(chunks.get(1)), "below 16000 samples: all of it");
    assertArrayEquals(
        ramp(16000, 6000), pcm(chunks.get(2)), "the last 16000 samples (1 s at 16 kHz)");
    assertEquals(16_000, chunks.get(2).getSampleRate());
  }

  @Test
  void aMomentBeforeAnyAudioHasAFrameOnly() {
    String s = capture.open();
    Moment m = capture.publish(s, frame(new short[0], null, null));
    assertNull(m.audio());
    assertEquals(List.of(VideoFrame.class), sink.sent.stream().map(Object::getClass).toList());
  }

  @Test
  void eventTimeIsTheServersAndStrictlyIncreasingPerStream() {
    String s = capture.open();
    long t0 = capture.publish(s, frame(null, null, null)).eventTimeMs();
    long t1 = capture.publish(s, frame(null, null, null)).eventTimeMs(); // same clock reading
    assertEquals(t0 + 1, t1);
  }

  @Test
  void framesFasterThanTheCapAreRefusedAndPublishNothing() {
    String s = capture.open();
    capture.publish(s, frame(null, null, null));
    capture.publish(s, frame(null, null, null)); // burst of 2
    int before = sink.sent.size();
    LiveCaptureException e =
        assertThrows(LiveCaptureException.class, () -> capture.publish(s, frame(null, null, null)));
    assertEquals(LiveCaptureException.Kind.TOO_FAST, e.kind());
    assertEquals(before, sink.sent.size());
    now.addAndGet(125); // 8 per second: one more token
    capture.publish(s, frame(null, null, null));
    assertEquals(1, capture.stats(s).refused());
    assertEquals(3, capture.stats(s).moments(), "seq not consumed by the refused moment");
  }

  @Test
  void audioFasterThanRealTimeIsRefused() {
    String s = capture.open();
    // 2 s per moment are allowed, and the budget holds 3 s: the second 2 s moment at once is too
    // much
    capture.publish(s, frame(new short[32_000], null, null));
    LiveCaptureException e =
        assertThrows(
            LiveCaptureException.class,
            () -> capture.publish(s, frame(new short[32_000], null, null)));
    assertEquals(LiveCaptureException.Kind.TOO_FAST, e.kind());
    now.addAndGet(2000);
    capture.publish(s, frame(new short[32_000], null, null));
  }

  @Test
  void limitsAreCheckedWithAClearReason() {
    String s = capture.open();
    assertBad(
        s, new LiveCapture.Input(65, 64, new byte[65 * 64], 16_000, null, null, null), "outside");
    assertBad(
        s, new LiveCapture.Input(64, 64, new byte[100], 16_000, null, null, null), "width*height");
    assertBad(
        s,
        new LiveCapture.Input(64, 64, new byte[4096], 44_100, new short[10], null, null),
        "16000 Hz");
    assertBad(s, frame(new short[32_001], null, null), "at most 32000");
    assertBad(s, frame(null, "x".repeat(501), null), "at most 500");
    assertBad(s, frame(null, null, "c".repeat(201)), "class name");
    assertEquals(0, sink.sent.size());
  }

  private void assertBad(String s, LiveCapture.Input in, String reason) {
    LiveCaptureException e = assertThrows(LiveCaptureException.class, () -> capture.publish(s, in));
    assertEquals(LiveCaptureException.Kind.BAD_INPUT, e.kind());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }

  @Test
  void onlyOpenSessionsPublishAndSessionsAreCapped() {
    LiveCapture small =
        new LiveCapture(
            sink, LiveLimits.defaults().withMaxStreams(2).withIdleTimeoutMs(10_000), now::get);
    assertEquals(
        LiveCaptureException.Kind.UNKNOWN_STREAM,
        assertThrows(
                LiveCaptureException.class, () -> small.publish("cam-0", frame(null, null, null)))
            .kind());
    String a = small.open();
    String b = small.open();
    assertNotEquals(a, b);
    assertEquals(
        LiveCaptureException.Kind.BUSY,
        assertThrows(LiveCaptureException.class, small::open).kind());
    now.addAndGet(5_000);
    small.publish(a, frame(null, null, null)); // a stays active
    now.addAndGet(6_000); // b idle for 11 s
    String c = small.open();
    assertEquals(2, small.openStreams());
    assertThrows(LiveCaptureException.class, () -> small.publish(b, frame(null, null, null)));
    small.publish(c, frame(null, null, null));
    assertTrue(small.close(a));
    assertThrows(LiveCaptureException.class, () -> small.publish(a, frame(null, null, null)));
  }

  @Test
  void recentKeepsTheLastSecondsForEnrollment() {
    String s = capture.open();
    for (int i = 0; i < 60; i++) {
      capture.publish(s, frame(ramp(4000, 0), null, i % 2 == 0 ? "cup" : null));
      now.addAndGet(250);
    }
    List<LiveCapture.Captured> last3 = capture.recent(s, 3000);
    assertEquals(12, last3.size(), "4 moments a second for 3 s");
    assertEquals(59, last3.get(last3.size() - 1).seq());
    assertEquals(16_000, last3.get(0).chunk().length);
    assertEquals(40, capture.recent(s, 60_000).size(), "at most recentMs (10 s) are kept");
  }
}
