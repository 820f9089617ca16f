package io.streamalign.chaos.fuzz;

import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Well-formed input records, as a camera + microphone source publishes one moment: a 28x28 gray
 * frame, 0.25 s of 16 kHz PCM16 audio, a caption and a label, all with the same streamId, seq and
 * event time (README.md, "Producing events"). Frames and tones differ per class so the learner has
 * something to learn.
 */
final class Moments {

  static final String[] CLASSES = {"zero", "one", "two", "three", "four"};
  static final int SIDE = 28;
  static final int SAMPLE_RATE = 16_000;
  static final int AUDIO_SAMPLES = 4_000;

  static final AvroSerde<VideoFrame> VIDEO = AvroSerde.of(VideoFrame.class);
  static final AvroSerde<AudioChunk> AUDIO = AvroSerde.of(AudioChunk.class);
  static final AvroSerde<TextSegment> TEXT = AvroSerde.of(TextSegment.class);
  static final AvroSerde<LabelEvent> LABEL = AvroSerde.of(LabelEvent.class);

  private final Random random;

  Moments(Random random) {
    this.random = random;
  }

  VideoFrame frame(String stream, long seq, long t, int cls) {
    byte[] px = new byte[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        // a class-specific bar pattern plus noise
        boolean on = ((x + cls * 3) / (cls + 2)) % 2 == 0 ^ (y < SIDE / 2 && cls % 2 == 1);
        px[y * SIDE + x] = (byte) Math.min(255, (on ? 200 : 30) + random.nextInt(40));
      }
    }
    return VideoFrame.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setWidth(SIDE)
        .setHeight(SIDE)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(px))
        .build();
  }

  AudioChunk audio(String stream, long seq, long t, int cls) {
    byte[] pcm = new byte[AUDIO_SAMPLES * 2];
    double hz = 300 + 150 * cls;
    for (int i = 0; i < AUDIO_SAMPLES; i++) {
      double v = 0.4 * Math.sin(2 * Math.PI * hz * i / SAMPLE_RATE) + 0.05 * random.nextGaussian();
      short s = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v * Short.MAX_VALUE));
      pcm[2 * i] = (byte) s;
      pcm[2 * i + 1] = (byte) (s >> 8);
    }
    return AudioChunk.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setSampleRate(SAMPLE_RATE)
        .setChannels(1)
        .setData(ByteBuffer.wrap(pcm))
        .build();
  }

  TextSegment text(String stream, long seq, long t, int cls) {
    return TextSegment.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setText("a " + CLASSES[cls] + " on the screen")
        .setLanguage("en")
        .build();
  }

  LabelEvent label(String stream, long t, int cls) {
    return LabelEvent.newBuilder()
        .setStreamId(stream)
        .setClassName(CLASSES[cls])
        .setModality(null)
        .setStartTimeMs(t)
        .setEndTimeMs(t + 1)
        .setEventTimeMs(t)
        .build();
  }
}
