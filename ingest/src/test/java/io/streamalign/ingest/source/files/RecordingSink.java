package io.streamalign.ingest.source.files;

import io.streamalign.ingest.producer.AvSink;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what a source publishes, in order. */
final class RecordingSink implements AvSink {
  final List<VideoFrame> frames = new CopyOnWriteArrayList<>();
  final List<AudioChunk> chunks = new CopyOnWriteArrayList<>();
  final List<TextSegment> texts = new CopyOnWriteArrayList<>();
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
    texts.add(t);
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
