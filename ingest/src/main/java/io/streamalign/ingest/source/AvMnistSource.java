package io.streamalign.ingest.source;

import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * AV-MNIST replay: real MNIST t10k images paired with real Free Spoken Digit recordings of the same
 * digit (see {@code shared/data/README.md}, "Pairing"). Each moment of a stream is one {@link
 * VideoFrame} (RAW8 28x28, the MNIST image), one {@link AudioChunk} (the FSDD clip, PCM16 mono 8
 * kHz), one {@link TextSegment} (the digit word, the clip's true transcript) and one {@link
 * LabelEvent} (class = the digit, e.g. "7", over the moment), all with the same seq and event time.
 *
 * <p>Train and test never mix: {@link Split#TRAIN} replays images 0-7999 with FSDD train clips
 * (takes 5-49), {@link Split#TEST} images 8000-9999 with FSDD test clips (takes 0-4). Each pass
 * over the split is a seeded permutation dealt round-robin to the streams, so every image appears
 * once per pass; the clip for an image is drawn at random (seeded) among the split's clips of its
 * digit.
 */
public final class AvMnistSource extends Source {

  /** Which side of the fixed split to replay. */
  public enum Split {
    TRAIN(0, 8000, "train"),
    TEST(8000, 10_000, "test");

    final int from;
    final int to;
    final String fsddSplit;

    Split(int from, int to, String fsddSplit) {
      this.from = from;
      this.to = to;
      this.fsddSplit = fsddSplit;
    }
  }

  private final Mnist mnist;
  private final Split split;
  private final List<List<Fsdd.Clip>> clipsByDigit = new ArrayList<>();
  private final Map<Fsdd.Clip, byte[]> clipBytes = new IdentityHashMap<>();
  private final List<Fsdd.Clip> clips;
  private final SplittableRandom[] rnd;
  private int[] perm;
  private int pass = -1;

  /**
   * Loads MNIST and FSDD from {@code dataDir} (the directory holding {@code mnist/} and {@code
   * fsdd/}).
   */
  public AvMnistSource(AvSink sink, SourceOptions options, Path dataDir, Split split) {
    this(sink, options, Mnist.load(dataDir), Fsdd.load(dataDir), split);
  }

  /** Uses already loaded data. */
  public AvMnistSource(
      AvSink sink, SourceOptions options, Mnist mnist, List<Fsdd.Clip> fsdd, Split split) {
    super(sink, options);
    this.mnist = Objects.requireNonNull(mnist, "mnist");
    this.split = Objects.requireNonNull(split, "split");
    if (mnist.size() < split.to) {
      throw new IllegalArgumentException(
          "MNIST has " + mnist.size() + " images; split " + split + " needs " + split.to);
    }
    this.clips = fsdd.stream().filter(c -> split.fsddSplit.equals(c.split())).toList();
    for (int d = 0; d < 10; d++) clipsByDigit.add(new ArrayList<>());
    for (Fsdd.Clip c : clips) clipsByDigit.get(c.digit()).add(c);
    for (int d = 0; d < 10; d++) {
      if (clipsByDigit.get(d).isEmpty()) {
        throw new IllegalArgumentException("no FSDD " + split.fsddSplit + " clip of digit " + d);
      }
    }
    rnd = new SplittableRandom[options.streams()];
    for (int s = 0; s < rnd.length; s++)
      rnd[s] = new SplittableRandom(options.seed() * 1_000_003L + s);
  }

  @Override
  public String name() {
    return "avmnist";
  }

  /** The replayed split. */
  public Split split() {
    return split;
  }

  /** Number of moments in one pass over the split (all streams together). */
  public int passSize() {
    return split.to - split.from;
  }

  @Override
  public Moment moment(int stream, long seq, long eventTimeMs) {
    int streams = options.streams();
    long position = seq * streams + stream; // global position in the sequence of passes
    int n = passSize();
    long p = position / n;
    if (p > 0 && !options.loop()) return null;
    if (p != pass) {
      perm = permutation(n, new SplittableRandom(options.seed() + 7919L * p));
      pass = (int) p;
    }
    int image = split.from + perm[(int) (position % n)];
    int digit = mnist.label(image);
    List<Fsdd.Clip> candidates = clipsByDigit.get(digit);
    Fsdd.Clip clip = candidates.get(rnd[stream].nextInt(candidates.size()));
    String streamId = options.streamId(stream);
    String cls = Integer.toString(digit);
    VideoFrame frame =
        VideoFrame.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setWidth(mnist.cols())
            .setHeight(mnist.rows())
            .setChannels(1)
            .setEncoding(FrameEncoding.RAW8)
            .setData(ByteBuffer.wrap(mnist.image(image)))
            .build();
    AudioChunk chunk =
        AudioChunk.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setSampleRate(clip.sampleRate())
            .setChannels(1)
            .setData(ByteBuffer.wrap(pcm(clip)))
            .build();
    TextSegment text =
        TextSegment.newBuilder()
            .setStreamId(streamId)
            .setSeq(seq)
            .setEventTimeMs(eventTimeMs)
            .setText(clip.word())
            .setLanguage("en")
            .build();
    LabelEvent label =
        LabelEvent.newBuilder()
            .setStreamId(streamId)
            .setClassName(cls)
            .setModality(null)
            .setStartTimeMs(eventTimeMs)
            .setEndTimeMs(eventTimeMs + options.momentMs())
            .setEventTimeMs(eventTimeMs)
            .build();
    return new Moment(streamId, seq, eventTimeMs, cls, frame, chunk, text, label);
  }

  private byte[] pcm(Fsdd.Clip clip) {
    return clipBytes.computeIfAbsent(clip, c -> AvProducer.pcm16le(c.pcm()));
  }

  static int[] permutation(int n, SplittableRandom r) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
