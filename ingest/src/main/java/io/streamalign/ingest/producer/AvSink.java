package io.streamalign.ingest.producer;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where sources publish raw records; {@link AvProducer} is the Kafka implementation. */
public interface AvSink {
  CompletableFuture<?> sendFrame(VideoFrame frame);

  CompletableFuture<?> sendAudio(AudioChunk chunk);

  CompletableFuture<?> sendText(TextSegment segment);

  CompletableFuture<?> sendLabel(LabelEvent label);

  /**
   * Sends one moment: its label (if any) first, then caption, frame and audio chunk (caption, frame
   * or chunk may be null). A Kafka sink declares in each record which parts the moment has (header
   * {@code streamalign.parts}), so that pairing emits it as soon as they are in rather than waiting
   * to learn that a caption is not coming; this default sends the parts one by one, undeclared.
   */
  default List<CompletableFuture<?>> sendMoment(
      LabelEvent label, TextSegment text, VideoFrame frame, AudioChunk audio) {
    List<CompletableFuture<?>> sent = new ArrayList<>(4);
    if (label != null) sent.add(sendLabel(label));
    if (text != null) sent.add(sendText(text));
    if (frame != null) sent.add(sendFrame(frame));
    if (audio != null) sent.add(sendAudio(audio));
    return sent;
  }

  /**
   * {@link #sendMoment}, with a failure to send (thrown at once, e.g. by a serializer) returned as
   * one failed future: for sources that count each send's outcome.
   */
  static List<CompletableFuture<?>> sendMomentOrFailure(
      AvSink sink, LabelEvent label, TextSegment text, VideoFrame frame, AudioChunk audio) {
    try {
      return sink.sendMoment(label, text, frame, audio);
    } catch (RuntimeException e) {
      return List.of(CompletableFuture.failedFuture(e));
    }
  }

  /** Blocks until everything sent so far is delivered (or failed). */
  void flush();
}
