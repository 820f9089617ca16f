package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PairingTopology} under {@link TopologyTestDriver}: pairing rules, labels and dead letters.
 */
class PairingTopologyTest {

  static final Topics TOPICS = Topics.defaults();
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path stateDir;
  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> video;
  TestInputTopic<String, byte[]> audio;
  TestInputTopic<String, byte[]> text;
  TestInputTopic<String, byte[]> labels;
  TestOutputTopic<String, PairedSample> paired;
  TestOutputTopic<String, PairedSample> infer;
  final Random rnd = new Random(42);

  @BeforeEach
  void setUp() {
    open(PairingTopology.build(PairingConfig.defaults(), TOPICS));
  }

  void open(Topology topology) {
    if (driver != null) driver.close();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "pairing-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // emit the text left join's "no text" results as soon as the window closes (default: at most
    // once a second)
    p.put(
        StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
    driver = new TopologyTestDriver(topology, p);
    video = input(TOPICS.video());
    audio = input(TOPICS.audio());
    text = input(TOPICS.text());
    labels = input(TOPICS.labels());
    paired =
        driver.createOutputTopic(
            TOPICS.paired().name(),
            new StringDeserializer(),
            TOPICS.paired().valueSerde().deserializer());
    infer =
        driver.createOutputTopic(
            TOPICS.infer().name(),
            new StringDeserializer(),
            TOPICS.infer().valueSerde().deserializer());
  }

  TestInputTopic<String, byte[]> input(Topic<?, ?> t) {
    return driver.createInputTopic(t.name(), new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void tearDown() {
    if (driver != null) driver.close();
  }

  // ---- record builders ----

  byte[] pixels(int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  VideoFrame frame(String stream, long seq, long t) {
    return VideoFrame.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setWidth(28)
        .setHeight(28)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(pixels(784)))
        .build();
  }

  AudioChunk chunk(String stream, long seq, long t) {
    short[] s = new short[2000];
    double f = 300 + 50 * seq;
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) (8000 * Math.sin(2 * Math.PI * f * i / 8000.0) + 300 * rnd.nextGaussian());
    }
    return AudioChunk.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setSampleRate(8000)
        .setChannels(1)
        .setData(ByteBuffer.wrap(AvProducer.pcm16le(s)))
        .build();
  }

  TextSegment caption(String stream, long seq, long t, String words) {
    return TextSegment.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setText(words)
        .build();
  }

  LabelEvent label(String stream, String cls, Modality m, long start, long end) {
    return LabelEvent.newBuilder()
        .setStreamId(stream)
        .setClassName(cls)
        .setModality(m)
        .setStartTimeMs(start)
        .setEndTimeMs(end)
        .setEventTimeMs(start)
        .build();
  }

  void send(VideoFrame v) {
    video.pipeInput(
        v.getStreamId(),
        TOPICS.video().valueSerde().serializer().serialize("t", v),
        v.getEventTimeMs());
  }

  void send(AudioChunk a) {
    audio.pipeInput(
        a.getStreamId(),
        TOPICS.audio().valueSerde().serializer().serialize("t", a),
        a.getEventTimeMs());
  }

  void send(TextSegment s) {
    text.pipeInput(
        s.getStreamId(),
        TOPICS.text().valueSerde().serializer().serialize("t", s),
        s.getEventTimeMs());
  }

  void send(LabelEvent l) {
    labels.pipeInput(
        l.getStreamId(),
        TOPICS.labels().valueSerde().serializer().serialize("t", l),
        l.getStartTimeMs());
  }

  /**
   * Advances stream time far past every window and grace with a fully paired moment on another
   * stream.
   */
  void flush(long t) {
    long seq = ticks++;
    send(caption("tick", seq, t, "tick"));
    send(frame("tick", seq, t));
    send(chunk("tick", seq, t));
  }

  long ticks;

  List<PairedSample> samples(TestOutputTopic<String, PairedSample> out, String stream) {
    return out.readValuesToList().stream()
        .filter(s -> s.getStreamId().equals(stream))
        .collect(Collectors.toList());
  }

  List<DeadLetter> deadLetters(Topic<?, ?> topic) {
    Topic<byte[], DeadLetter> dlq = TOPICS.deadLetters(topic);
    return driver
        .createOutputTopic(dlq.name(), new ByteArrayDeserializer(), dlq.valueSerde().deserializer())
        .readValuesToList();
  }

  // ---- pairing ----

  @Test
  void framesAndChunkInWindowPairWithFeaturesOfTheRightShape() {
    VideoFrame v = frame("cam1", 0, T0);
    send(v);
    send(chunk("cam1", 0, T0 + 200));
    flush(T0 + 60_000);
    List<PairedSample> out = samples(paired, "cam1");
    assertEquals(1, out.size());
    PairedSample s = out.get(0);
    assertEquals("cam1#0", s.getSampleId());
    assertEquals(T0, s.getEventTimeMs());
    assertEquals(PairingKind.STRONG, s.getPairing());
    assertEquals(List.of(1, 28, 28), s.getVideo().getShape());
    assertEquals(List.of(40, 64), s.getAudio().getShape());
    assertNull(s.getText(), "no text was sent");
    assertNull(s.getCaption());
    assertNull(s.getLabel());
    float[] expected =
        new VideoFeaturizer(VideoFeatureConfig.defaults())
            .featurize(28, 28, 1, "RAW8", v.getData().array());
    assertArrayEquals(expected, FeatureTensors.toFloats(s.getVideo()), 0f);
    for (float x : FeatureTensors.toFloats(s.getAudio())) assertTrue(Float.isFinite(x));
    assertEquals(1, samples(infer, "cam1").size(), "unlabeled samples also go to av.infer");
  }

  @Test
  void lateChunkWithinGraceStillPairsButTooLateIsDroppedWithoutHarm() {
    send(frame("cam1", 1, T0));
    send(frame("cam2", 7, T0));
    // stream time moves 2.5 s on: the 1 s window has closed but the 2 s grace has not
    send(frame("other", 0, T0 + 2_500));
    send(chunk("cam1", 1, T0 + 100));
    // stream time moves 10 s on: past window + grace
    send(frame("other", 1, T0 + 10_000));
    send(chunk("cam2", 7, T0 + 100));
    // the app keeps pairing afterwards
    send(frame("cam3", 0, T0 + 10_100));
    send(chunk("cam3", 0, T0 + 10_200));
    flush(T0 + 60_000);
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(List.of("cam1#1"), ids(out, "cam1"), "late within grace pairs");
    assertEquals(List.of(), ids(out, "cam2"), "later than grace never pairs");
    assertEquals(List.of("cam3#0"), ids(out, "cam3"));
    // ... and is not lost silently: it is a dead letter saying how late it was, and its frame one
    // saying
    // that it got no chunk in time
    // (the lone frames of stream "other" are dead letters too: they never got a chunk)
    List<DeadLetter> frames =
        deadLetters(TOPICS.video()).stream()
            .filter(d -> d.getErrorMessage().contains(" cam2#"))
            .collect(Collectors.toList());
    assertEquals(1, frames.size());
    assertEquals("pairing.unpaired", frames.get(0).getStage());
    assertTrue(
        frames
            .get(0)
            .getErrorMessage()
            .startsWith("unpaired: frame of moment cam2#7 got no audio chunk"),
        frames.get(0).getErrorMessage());
    List<DeadLetter> lates = deadLetters(TOPICS.audio());
    assertEquals(1, lates.size());
    DeadLetter late = lates.get(0);
    assertEquals("pairing.late", late.getStage());
    assertTrue(
        late.getErrorMessage()
            .startsWith(
                "late: event time "
                    + (T0 + 100)
                    + " of audio chunk cam2#7 is 9900 ms"
                    + " behind stream time"),
        late.getErrorMessage());
    assertEquals(TOPICS.audio().name(), late.getOriginalTopic());
    assertEquals(1L, late.getOffset());
  }

  @Test
  void outOfOrderRecordsPairBySeq() {
    for (int i = 4; i >= 0; i--) send(chunk("cam1", i, T0 + 100L * i));
    for (int i : new int[] {2, 0, 4, 1, 3}) send(frame("cam1", i, T0 + 100L * i + 5));
    flush(T0 + 60_000);
    List<PairedSample> out = samples(paired, "cam1");
    assertEquals(
        List.of("cam1#0", "cam1#1", "cam1#2", "cam1#3", "cam1#4"),
        out.stream().map(PairedSample::getSampleId).sorted().collect(Collectors.toList()));
    for (PairedSample s : out) {
      long seq = Long.parseLong(s.getSampleId().substring("cam1#".length()));
      assertEquals(
          T0 + 100 * seq + 5, s.getEventTimeMs(), "event time of the frame with the same seq");
    }
  }

  @Test
  void severalFramesPerChunkInOneWindowKeepOnlyTheSameSeq() {
    // 10 frames and 10 chunks 100 ms apart: every chunk has ~10 frames in its 1 s window
    VideoFrame[] frames = new VideoFrame[10];
    for (int i = 0; i < 10; i++) {
      frames[i] = frame("cam1", i, T0 + 100L * i);
      send(frames[i]);
      send(chunk("cam1", i, T0 + 100L * i + 30));
    }
    flush(T0 + 60_000);
    List<PairedSample> out = samples(paired, "cam1");
    assertEquals(10, out.size());
    VideoFeaturizer vf = new VideoFeaturizer(VideoFeatureConfig.defaults());
    for (PairedSample s : out) {
      int seq = Integer.parseInt(s.getSampleId().substring("cam1#".length()));
      assertArrayEquals(
          vf.featurize(28, 28, 1, "RAW8", frames[seq].getData().array()),
          FeatureTensors.toFloats(s.getVideo()),
          0f,
          "sample " + seq + " carries frame " + seq);
    }
  }

  @Test
  void denseStreamsGetTheirOwnMomentsCaptionEvenWhenNeighboursCaptionsComeFirst() {
    // captions of all 10 moments arrive before any frame: every pair meets 10 captions in its
    // window
    for (int i = 0; i < 10; i++) send(caption("cam1", i, T0 + 100L * i, "caption " + i));
    for (int i = 0; i < 10; i++) {
      if (i % 3 == 0) continue; // these moments have no audio
      send(frame("cam1", i, T0 + 100L * i));
      send(chunk("cam1", i, T0 + 100L * i + 20));
    }
    send(frame("cam1", 20, T0 + 2000)); // a moment without caption
    send(chunk("cam1", 20, T0 + 2000));
    flush(T0 + 60_000);
    List<PairedSample> out = samples(paired, "cam1");
    assertEquals(7, out.size(), ids(out, "cam1").toString());
    for (PairedSample s : out) {
      long seq = Long.parseLong(s.getSampleId().substring("cam1#".length()));
      if (seq == 20) {
        assertNull(s.getCaption(), "no caption for moment 20, not a neighbour's");
      } else {
        assertEquals("caption " + seq, s.getCaption());
      }
    }
  }

  @Test
  void partialSerdeRoundTripsLazily() {
    Partial p =
        new Partial(
            "s",
            7,
            "sess-1",
            123,
            "s#7/sess-1",
            new float[] {1f, -2f},
            new float[] {3f},
            null,
            "hi");
    byte[] b = Partial.SERDE.serializer().serialize("t", p);
    Partial q = Partial.SERDE.deserializer().deserialize("t", b);
    assertEquals("s", q.streamId());
    assertEquals(7, q.seq());
    assertEquals(123, q.eventTimeMs());
    assertEquals("s#7/sess-1", q.sampleId());
    assertEquals("sess-1", q.session());
    assertEquals("hi", q.caption());
    assertArrayEquals(new float[] {1f, -2f}, q.video(), 0f);
    assertArrayEquals(new float[] {3f}, q.audio(), 0f);
    assertNull(q.text());
    assertTrue(!q.hasText());
    assertArrayEquals(b, Partial.SERDE.serializer().serialize("t", q));
    org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.kafka.common.errors.SerializationException.class,
        () -> Partial.SERDE.deserializer().deserialize("t", Arrays.copyOf(b, 20)));
  }

  @Test
  void negativeAndAbsurdSeqAreRejectedWithAReasonAndNeverJoinGoodStreams() {
    // seq -1 used to pair with every record in its window (one produced 511 samples)
    for (int i = 0; i < 5; i++) {
      send(frame("cam1", i, T0 + 100L * i));
      send(chunk("cam1", i, T0 + 100L * i + 10));
    }
    send(frame("cam1", -1, T0 + 150));
    send(chunk("cam1", -1, T0 + 160));
    send(caption("cam1", -7, T0 + 150, "bad"));
    send(frame("cam1", Long.MAX_VALUE, T0 + 200));
    flush(T0 + 60_000);
    assertEquals(
        List.of("cam1#0", "cam1#1", "cam1#2", "cam1#3", "cam1#4"),
        ids(paired.readValuesToList(), "cam1").stream().sorted().collect(Collectors.toList()));
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(2, v.size());
    assertTrue(v.get(0).getErrorMessage().contains("negative seq -1"), v.get(0).getErrorMessage());
    assertTrue(
        v.get(1).getErrorMessage().contains("seq " + Long.MAX_VALUE + " is larger than"),
        v.get(1).getErrorMessage());
    assertTrue(single(TOPICS.audio()).getErrorMessage().contains("negative seq -1"));
    assertTrue(single(TOPICS.text()).getErrorMessage().contains("negative seq -7"));
  }

  @Test
  void duplicatedInputRecordsYieldOneSample() {
    VideoFrame v = frame("cam1", 3, T0);
    AudioChunk a = chunk("cam1", 3, T0 + 50);
    TextSegment t = caption("cam1", 3, T0 + 10, "a red circle");
    send(t);
    send(v);
    send(v);
    send(a);
    send(a);
    send(t);
    flush(T0 + 60_000);
    List<PairedSample> out = samples(paired, "cam1");
    assertEquals(1, out.size(), "duplicates of the same moment are dropped: " + ids(out, "cam1"));
    assertEquals("a red circle", out.get(0).getCaption());
  }

  @Test
  void missingAudioMeansNoPairAndMissingTextMeansPairWithoutText() {
    send(frame("cam1", 0, T0)); // never gets audio
    send(caption("cam1", 0, T0, "lonely frame"));
    send(frame("cam2", 0, T0));
    send(chunk("cam2", 0, T0 + 20)); // no text
    send(caption("cam3", 0, T0, "seven"));
    send(frame("cam3", 0, T0 + 10));
    send(chunk("cam3", 0, T0 + 20));
    send(caption("cam3", 1, T0 + 30, "wrong seq"));
    flush(T0 + 60_000);
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(List.of(), ids(out, "cam1"));
    PairedSample noText = only(out, "cam2");
    assertNull(noText.getText());
    assertNull(noText.getCaption());
    PairedSample withText = only(out, "cam3");
    assertEquals("seven", withText.getCaption());
    assertEquals(List.of(1024), withText.getText().getShape());
    float[] tf = FeatureTensors.toFloats(withText.getText());
    double norm = 0;
    for (float x : tf) norm += x * x;
    assertEquals(1.0, norm, 1e-4, "text features are L2-normalized");
  }

  // ---- labels ----

  @Test
  void labelBeforeDataLabelsAllPresentModalities() {
    send(label("cam1", "circle", null, T0 - 1000, T0 + 5000));
    send(caption("cam1", 0, T0, "circle"));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(label("cam2", "seven", Modality.AUDIO, T0 - 1000, T0 + 5000));
    send(frame("cam2", 0, T0));
    send(chunk("cam2", 0, T0));
    send(label("cam3", "old", null, T0 - 10_000, T0 - 5000)); // range over before the data
    send(frame("cam3", 0, T0));
    send(chunk("cam3", 0, T0));
    flush(T0 + 60_000);
    List<PairedSample> out = paired.readValuesToList();
    PairedSample s1 = only(out, "cam1");
    assertEquals("circle", s1.getLabel());
    assertEquals("circle", s1.getConceptGroup());
    assertEquals(List.of(Modality.VIDEO, Modality.AUDIO, Modality.TEXT), s1.getLabeledModalities());
    PairedSample s2 = only(out, "cam2");
    assertEquals("seven", s2.getLabel());
    assertEquals(List.of(Modality.AUDIO), s2.getLabeledModalities());
    PairedSample s3 = only(out, "cam3");
    assertNull(s3.getLabel());
    assertEquals(List.of(), s3.getLabeledModalities());
    List<PairedSample> inf = infer.readValuesToList();
    assertEquals(List.of(), ids(inf, "cam1"), "labeled samples are not routed to av.infer");
    assertEquals(List.of("cam3#0"), ids(inf, "cam3"));
  }

  @Test
  void emitUnpairedGivesMicrophoneOnlyStreamsAudioOnlySamples() {
    open(PairingTopology.build(PairingConfig.defaults().withEmitUnpaired(true), TOPICS));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(chunk("mic1", 0, T0));
    send(label("mic2", "seven", Modality.AUDIO, T0 - 1000, T0 + 5000));
    send(chunk("mic2", 0, T0 + 10));
    flush(T0 + 60_000);
    flush(T0 + 120_000); // a lone chunk leaves the join when its window closes, then waits out the
    // gate
    List<PairedSample> out = paired.readValuesToList();
    PairedSample pair = only(out, "cam1");
    assertNotNull(pair.getVideo());
    assertNotNull(pair.getAudio());
    PairedSample mic = only(out, "mic1");
    assertNull(mic.getVideo(), "no frame: an audio-only sample");
    assertNotNull(mic.getAudio());
    assertEquals("mic1#0", mic.getSampleId());
    assertNull(mic.getLabel());
    PairedSample labeled = only(out, "mic2");
    assertEquals("seven", labeled.getLabel());
    assertEquals(List.of(Modality.AUDIO), labeled.getLabeledModalities());
    assertEquals(
        List.of("mic1#0"),
        ids(infer.readValuesToList(), "mic1"),
        "unlabeled audio-only samples go to av.infer");
  }

  @Test
  void withoutEmitUnpairedLoneChunksGiveNothing() {
    send(chunk("mic1", 0, T0));
    flush(T0 + 60_000);
    assertEquals(List.of(), ids(paired.readValuesToList(), "mic1"));
  }

  @Test
  void routeAllToInferSendsLabeledSamplesToo() {
    open(PairingTopology.build(PairingConfig.defaults().withRouteAllToInfer(true), TOPICS));
    send(label("cam1", "circle", null, T0 - 1000, T0 + 5000));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(frame("cam3", 0, T0));
    send(chunk("cam3", 0, T0));
    flush(T0 + 60_000);
    List<PairedSample> inf = infer.readValuesToList();
    assertEquals(
        List.of("cam1#0"), ids(inf, "cam1"), "labeled samples are routed to av.infer as well");
    assertEquals(
        "circle", only(inf, "cam1").getLabel(), "with their label, for predicted-vs-true views");
    assertEquals(List.of("cam3#0"), ids(inf, "cam3"));
    assertEquals(2, paired.readValuesToList().size());
  }

  @Test
  void labelAfterDataWithinLabelGraceLabelsItLaterOneDoesNot() {
    send(caption("cam1", 0, T0, "square"));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(label("cam1", "square", null, T0 - 100, T0 + 1000)); // label arrives right after its data
    flush(T0 + 60_000);
    send(caption("cam2", 0, T0 + 61_000, "square"));
    send(frame("cam2", 0, T0 + 61_000));
    send(chunk("cam2", 0, T0 + 61_000));
    flush(T0 + 120_000); // stream time passes the label grace before the label comes
    send(label("cam2", "square", null, T0 + 60_900, T0 + 62_000));
    flush(T0 + 180_000);
    List<PairedSample> out = paired.readValuesToList();
    assertEquals("square", only(out, "cam1").getLabel());
    assertNull(
        only(out, "cam2").getLabel(), "a label arriving after the label grace does not apply");
    assertEquals(List.of("cam2#0"), ids(infer.readValuesToList(), "cam2"));
  }

  // ---- dead letters ----

  @Test
  void garbageBytesGoToTheVideoDeadLetterTopicAndPairingContinues() {
    byte[] garbage = "definitely not avro".getBytes();
    video.pipeInput("cam1", garbage, T0);
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    flush(T0 + 60_000);
    List<DeadLetter> dl = deadLetters(TOPICS.video());
    assertEquals(1, dl.size());
    DeadLetter d = dl.get(0);
    assertEquals(TOPICS.video().name(), d.getOriginalTopic());
    assertEquals("pairing.decode", d.getStage());
    assertEquals(0L, d.getOffset());
    assertArrayEquals(garbage, DeadLetters.valueBytes(d));
    assertArrayEquals("cam1".getBytes(), DeadLetters.keyBytes(d));
    assertEquals(List.of("cam1#0"), ids(paired.readValuesToList(), "cam1"));
  }

  @Test
  void truncatedAvroGoesToTheAudioDeadLetterTopic() {
    byte[] full = TOPICS.audio().valueSerde().serializer().serialize("t", chunk("cam1", 0, T0));
    audio.pipeInput("cam1", Arrays.copyOf(full, full.length / 2), T0);
    DeadLetter d = single(TOPICS.audio());
    assertEquals("pairing.decode", d.getStage());
    assertTrue(
        d.getErrorClass().contains("AvroDecodeException")
            || d.getErrorClass().contains("Serialization"),
        d.getErrorClass());
  }

  @Test
  void frameWhoseDataDoesNotMatchWidthTimesHeightIsRejected() {
    VideoFrame v = frame("cam1", 0, T0);
    v.setWidth(32);
    send(v);
    DeadLetter d = single(TOPICS.video());
    assertEquals("pairing.validate", d.getStage());
    assertTrue(d.getErrorMessage().contains("frame data length 784"), d.getErrorMessage());
  }

  @Test
  void unsupportedEncodingAndUndecodableImagesAreRejected() {
    VideoFrame v = frame("cam1", 0, T0);
    v.setChannels(4);
    v.setData(ByteBuffer.wrap(pixels(28 * 28 * 4)));
    send(v);
    VideoFrame jpeg = frame("cam1", 1, T0);
    jpeg.setEncoding(FrameEncoding.JPEG);
    send(jpeg);
    List<DeadLetter> dl = deadLetters(TOPICS.video());
    assertEquals(2, dl.size());
    assertEquals("pairing.validate", dl.get(0).getStage());
    assertTrue(
        dl.get(0).getErrorMessage().contains("unsupported encoding RAW8 with 4 channels"),
        dl.get(0).getErrorMessage());
    assertEquals("pairing.featurize", dl.get(1).getStage());
    assertTrue(dl.get(1).getErrorClass().endsWith("FeatureException"), dl.get(1).getErrorClass());
  }

  @Test
  void emptyAudioZeroSampleRateAndTruncatedPcmAreRejected() {
    AudioChunk empty = chunk("cam1", 0, T0);
    empty.setData(ByteBuffer.wrap(new byte[0]));
    send(empty);
    AudioChunk zeroRate = chunk("cam1", 1, T0);
    zeroRate.setSampleRate(0);
    send(zeroRate);
    AudioChunk odd = chunk("cam1", 2, T0);
    odd.setData(ByteBuffer.wrap(new byte[101]));
    send(odd);
    List<DeadLetter> dl = deadLetters(TOPICS.audio());
    assertEquals(3, dl.size());
    assertTrue(dl.get(0).getErrorMessage().contains("empty audio"), dl.get(0).getErrorMessage());
    assertTrue(
        dl.get(1).getErrorMessage().contains("bad sample rate 0"), dl.get(1).getErrorMessage());
    assertTrue(
        dl.get(2).getErrorMessage().contains("truncated PCM16"), dl.get(2).getErrorMessage());
    assertEquals(
        List.of(1L, 2L),
        dl.stream().skip(1).map(DeadLetter::getOffset).collect(Collectors.toList()));
  }

  @Test
  void nonFiniteFeaturesAreRejected() {
    // The features module already refuses to return non-finite values; pairing checks again so a
    // different featurizer can never leak NaN into av.paired. Here the video featurizer overflows.
    Featurizers d = Featurizers.defaults();
    Featurizers overflowing =
        new Featurizers() {
          @Override
          public float[] video(int w, int h, int c, String e, byte[] data) {
            float[] x = d.video(w, h, c, e, data);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * Float.MAX_VALUE * 4f;
            return x;
          }

          @Override
          public float[] audio(byte[] pcm, int rate, int ch) {
            return d.audio(pcm, rate, ch);
          }

          @Override
          public float[] text(String t) {
            return d.text(t);
          }

          @Override
          public int[] videoShape() {
            return d.videoShape();
          }

          @Override
          public int[] audioShape() {
            return d.audioShape();
          }

          @Override
          public int[] textShape() {
            return d.textShape();
          }
        };
    open(PairingTopology.build(PairingConfig.defaults(), TOPICS, overflowing));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    flush(T0 + 60_000);
    DeadLetter dl = deadLetters(TOPICS.video()).get(0);
    assertEquals("pairing.featurize", dl.getStage());
    assertTrue(dl.getErrorMessage().contains("non-finite video feature"), dl.getErrorMessage());
    assertEquals(List.of(), ids(paired.readValuesToList(), "cam1"));
  }

  @Test
  void keyMismatchEmptyTextAndBadLabelRangeAreRejected() {
    VideoFrame v = frame("cam1", 0, T0);
    video.pipeInput("cam2", TOPICS.video().valueSerde().serializer().serialize("t", v), T0);
    send(caption("cam1", 0, T0, "   "));
    send(label("cam1", "x", null, T0, T0 - 5));
    labels.pipeInput("cam1", (byte[]) null, T0);
    assertTrue(single(TOPICS.video()).getErrorMessage().contains("does not match streamId"));
    assertTrue(single(TOPICS.text()).getErrorMessage().contains("empty text"));
    List<DeadLetter> l = deadLetters(TOPICS.labels());
    assertEquals(2, l.size());
    assertTrue(l.get(0).getErrorMessage().contains("label range"), l.get(0).getErrorMessage());
    assertTrue(l.get(1).getErrorMessage().contains("null value"), l.get(1).getErrorMessage());
  }

  @Test
  void invalidConfigurationIsRefused() {
    PairingConfig d = PairingConfig.defaults();
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> d.withJoin(Duration.ZERO, Duration.ofSeconds(1)));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> d.withJoin(Duration.ofMinutes(3), Duration.ofMinutes(1)));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> d.withStreamThreads(0));
  }

  // ---- helpers ----

  DeadLetter single(Topic<?, ?> t) {
    List<DeadLetter> dl = deadLetters(t);
    assertEquals(1, dl.size(), "dead letters on " + t.dlq());
    assertNotNull(dl.get(0).getValue());
    return dl.get(0);
  }

  static List<String> ids(List<PairedSample> out, String stream) {
    return out.stream()
        .filter(s -> s.getStreamId().equals(stream))
        .map(PairedSample::getSampleId)
        .collect(Collectors.toList());
  }

  static PairedSample only(List<PairedSample> out, String stream) {
    List<PairedSample> l =
        out.stream().filter(s -> s.getStreamId().equals(stream)).collect(Collectors.toList());
    assertEquals(1, l.size(), "samples of " + stream + ": " + ids(out, stream));
    return l.get(0);
  }
}
