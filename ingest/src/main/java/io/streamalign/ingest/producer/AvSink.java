package io.streamalign.ingest.producer;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.util.concurrent.CompletableFuture;

/** Where sources publish raw records; {@link AvProducer} is the Kafka implementation. */
public interface AvSink {
  CompletableFuture<?> sendFrame(VideoFrame frame);

  CompletableFuture<?> sendAudio(AudioChunk chunk);

  CompletableFuture<?> sendText(TextSegment segment);

  CompletableFuture<?> sendLabel(LabelEvent label);

  /** Blocks until everything sent so far is delivered (or failed). */
  void flush();
}
