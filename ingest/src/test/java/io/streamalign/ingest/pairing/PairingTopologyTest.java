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
import org.apache.kafka.streams.TopologyDescription;
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
   * Ends the input: a fully paired moment on another stream at {@code t} (which moves no other
   * stream's time: lateness and release are judged per stream), then 30 s of wall clock without
   * input, past the bound after which held moments are released and the label join lets waiting
   * moments go.
   */
  void flush(long t) {
    long seq = ticks++;
    send(caption("tick", seq, t, "tick"));
    send(frame("tick", seq, t));
    send(chunk("tick", seq, t));
    WallClock.advance(driver, Duration.ofSeconds(30));
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
  void aSampleLeavesTheTaskThatAssembledItsMomentWithoutAnotherRepartition() {
    // one exactly-once hop per repartition topic (a transaction commit, then a fetch): the
    // by-stream
    // topics of the four inputs, and none between the sample gate and av.paired (the label join
    // is a lookup in a store of the gate's own task, LabelWait)
    TopologyDescription d = PairingTopology.build(PairingConfig.defaults(), TOPICS).describe();
    List<String> repartitions = new java.util.ArrayList<>();
    TopologyDescription.Subtopology gate = null;
    for (TopologyDescription.Subtopology st : d.subtopologies()) {
      for (TopologyDescription.Node n : st.nodes()) {
        if (n instanceof TopologyDescription.Sink sink
            && sink.topic() != null
            && sink.topic().endsWith("-repartition")) repartitions.add(sink.topic());
        if (n.name().equals("sample-gate")) gate = st;
      }
    }
    assertEquals(
        List.of(
            "audio-by-stream-repartition",
            "labels-by-stream-repartition",
            "text-by-stream-repartition",
            "video-by-stream-repartition"),
        repartitions.stream().sorted().toList());
    assertNotNull(gate);
    List<String> gateSinks =
        gate.nodes().stream()
            .filter(n -> n instanceof TopologyDescription.Sink)
            .map(n -> ((TopologyDescription.Sink) n).topic())
            .filter(t -> t != null)
            .sorted()
            .toList();
    assertTrue(gateSinks.contains(TOPICS.paired().name()), "av.paired from the gate's task");
    assertTrue(gateSinks.contains(TOPICS.infer().name()), "av.infer from the gate's task");
  }

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
    // another stream's time moves 10 s on: that makes nothing of cam1 or cam2 late
    // (docs/producing.md,
    // "Not too late": lateness is judged per stream and modality)
    send(frame("other", 0, T0 + 10_000));
    send(chunk("cam1", 1, T0 + 100));
    // cam2's own audio moves 10 s on: past window + grace, so its chunk 7 is late
    send(chunk("cam2", 8, T0 + 10_000));
    send(chunk("cam2", 7, T0 + 100));
    // the app keeps pairing afterwards
    send(frame("cam3", 0, T0 + 10_100));
    send(chunk("cam3", 0, T0 + 10_200));
    flush(T0 + 60_000);
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(List.of("cam1#1"), ids(out, "cam1"), "behind another stream, yet pairs");
    assertEquals(List.of(), ids(out, "cam2"), "later than grace within its own stream never pairs");
    assertEquals(List.of("cam3#0"), ids(out, "cam3"));
    // ... and is not lost silently: it is a dead letter saying how late it was, and its frame one
    // saying
    // that it got no chunk in time
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
    List<DeadLetter> lates =
        deadLetters(TOPICS.audio()).stream()
            .filter(d -> d.getStage().equals("pairing.late"))
            .collect(Collectors.toList());
    assertEquals(1, lates.size());
    DeadLetter late = lates.get(0);
    assertTrue(
        late.getErrorMessage()
            .startsWith(
                "late: event time "
                    + (T0 + 100)
                    + " of audio chunk cam2#7 is 9900 ms"
                    + " behind its stream's audio at "
                    + (T0 + 10_000)),
        late.getErrorMessage());
    assertEquals(TOPICS.audio().name(), late.getOriginalTopic());
    assertEquals(2L, late.getOffset());
  }

  @Test
  void framesFarAheadOfTheirChunksStillPairWhenTheChunksLag() {
    // the frames' repartition topic is 20 s of event time ahead of the chunks' (decoding lags on a
    // loaded
    // machine): the chunks are judged by the chunks' time, not by the frames', and every moment
    // pairs
    for (int i = 0; i < 200; i++) send(frame("cam1", i, T0 + 100L * i));
    for (int i = 0; i < 200; i++) send(chunk("cam1", i, T0 + 100L * i + 5));
    flush(T0 + 120_000);
    assertEquals(200, ids(paired.readValuesToList(), "cam1").size());
    assertEquals(
        List.of(), deadLetters(TOPICS.audio()).stream().map(DeadLetter::getErrorMessage).toList());
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
  }

  // ---- lateness and release per stream (docs/producing.md, "Not too late") ----

  @Test
  void twoStreamsOnOnePartitionWithClocks10sApartBothPairEveryMoment() {
    // the test driver has one partition per topic: both streams share it; camB's clock is 10 s
    // behind
    for (String cam : List.of("camA", "camB")) {
      long t = cam.equals("camA") ? T0 : T0 - 10_000;
      send(frame(cam, 0, t));
      send(chunk(cam, 0, t + 10));
    }
    // past the wall-clock bound: moments 0 are out, and a caption not sent for so long is not
    // waited for
    WallClock.advance(driver, Duration.ofSeconds(8));
    List<PairedSample> first = paired.readValuesToList();
    assertEquals(List.of("camA#0"), ids(first, "camA"));
    assertEquals(List.of("camB#0"), ids(first, "camB"));
    for (int i = 1; i < 41; i++) {
      send(frame("camA", i, T0 + 200L * i));
      send(chunk("camA", i, T0 + 200L * i + 10));
      send(frame("camB", i, T0 - 10_000 + 200L * i));
      send(chunk("camB", i, T0 - 10_000 + 200L * i + 10));
    }
    // neither sends captions: a moment goes once its own stream is past its event time + the 4 s
    // hold
    // (moments 1..20 of camB: its chunk 40 is at 8.01 s), whatever camA's time, and without waiting
    // for the
    // wall clock; the label join then lets those go whose 1 s label grace camB's own time has
    // passed (1..15)
    List<PairedSample> before = paired.readValuesToList();
    assertEquals(15, ids(before, "camB").size(), ids(before, "camB").toString());
    flush(T0 + 60_000);
    List<PairedSample> after = paired.readValuesToList();
    for (String cam : List.of("camA", "camB")) {
      List<String> all = new java.util.ArrayList<>(ids(first, cam));
      all.addAll(ids(before, cam));
      all.addAll(ids(after, cam));
      assertEquals(41, all.size(), cam + ": " + all);
      assertEquals(41, all.stream().distinct().count(), cam + ": " + all);
    }
    assertEquals(List.of(), deadLetters(TOPICS.video()));
    assertEquals(List.of(), deadLetters(TOPICS.audio()));
  }

  @Test
  void videoAheadOfAudioByMoreThanTheHoldStillPairs() {
    // all 30 frames (5.8 s) come before the first chunk, whose topic lags; each modality is in
    // order
    for (int i = 0; i < 30; i++) send(frame("cam1", i, T0 + 200L * i));
    for (int i = 0; i < 30; i++) send(chunk("cam1", i, T0 + 200L * i + 10));
    flush(T0 + 60_000);
    assertEquals(30, ids(paired.readValuesToList(), "cam1").size());
    assertEquals(List.of(), deadLetters(TOPICS.video()));
    assertEquals(List.of(), deadLetters(TOPICS.audio()));
  }

  @Test
  void aPartOutOfOrderWithinItsOwnStreamAndModalityByMoreThanTheHoldIsLateNamingItsSource() {
    for (int i = 0; i < 3; i++) {
      send(frame("cam1", i, T0 + 200L * i));
      send(chunk("cam1", i, T0 + 200L * i));
    }
    send(frame("cam1", 9, T0 + 10_000));
    send(chunk("cam1", 9, T0 + 10_000));
    send(frame("cam1", 3, T0 + 600)); // 9.4 s behind cam1's video: late (video offset 4)
    send(frame("cam2", 0, T0 + 600)); // the same time on another stream is not late
    send(chunk("cam2", 0, T0 + 600));
    // a year-old part of a stream with recent parts is late too
    send(chunk("cam1", 4, T0 - Duration.ofDays(365).toMillis())); // audio offset 5
    flush(T0 + 60_000);
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(
        List.of("cam1#0", "cam1#1", "cam1#2", "cam1#9"),
        ids(out, "cam1").stream().sorted().toList());
    assertEquals(List.of("cam2#0"), ids(out, "cam2"));
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(1, v.size(), v.toString());
    assertEquals(LateGate.STAGE_LATE, v.get(0).getStage());
    assertEquals(
        "late: event time "
            + (T0 + 600)
            + " of frame cam1#3 is 9400 ms behind its stream's video at "
            + (T0 + 10_000)
            + ", more than the 4000 ms (twice the join window, plus the grace) a moment is held",
        v.get(0).getErrorMessage());
    assertEquals(TOPICS.video().name(), v.get(0).getOriginalTopic());
    assertEquals(4L, v.get(0).getOffset());
    List<DeadLetter> a = deadLetters(TOPICS.audio());
    assertEquals(1, a.size(), a.toString());
    assertEquals(LateGate.STAGE_LATE, a.get(0).getStage());
    assertEquals(5L, a.get(0).getOffset());
  }

  @Test
  void aStreamWithoutCaptionsIsReleasedByItsOwnProgressNotOnlyByTheWallClock() {
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    // a caption might still be on its way while the stream is new: held, until the wall-clock bound
    WallClock.advance(driver, Duration.ofSeconds(8));
    assertEquals(List.of("cam1#0"), ids(paired.readValuesToList(), "cam1"));
    // from now on cam1 has sent no caption for the idle bound: each moment goes once cam1 is 4 s
    // past it
    for (int i = 1; i <= 40; i++) {
      send(frame("cam1", i, T0 + 200L * i));
      send(chunk("cam1", i, T0 + 200L * i));
    }
    // released by stream cam1's progress (8 s): moments 1..19 (t + 4 s < 8 s); no wall clock has
    // passed
    // (the label join lets the ones its own 1 s grace has passed go: moments 1..14)
    List<String> out = ids(paired.readValuesToList(), "cam1");
    assertEquals(14, out.size(), out.toString());
    flush(T0 + 60_000);
    assertEquals(26, ids(paired.readValuesToList(), "cam1").size());
  }

  @Test
  void pausedInputIsReleasedByTheWallClock() {
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(frame("cam1", 1, T0 + 200)); // its chunk never comes
    WallClock.advance(driver, Duration.ofSeconds(6));
    assertEquals(
        List.of(), paired.readValuesToList(), "the hold plus the idle wait has not passed");
    WallClock.advance(driver, Duration.ofSeconds(2));
    assertEquals(List.of("cam1#0"), ids(paired.readValuesToList(), "cam1"));
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(1, v.size(), v.toString());
    assertTrue(
        v.get(0)
            .getErrorMessage()
            .startsWith("unpaired: frame of moment cam1#1 got no audio chunk"),
        v.get(0).getErrorMessage());
    assertTrue(v.get(0).getErrorMessage().contains("(wall clock)"), v.get(0).getErrorMessage());
    assertEquals(1L, v.get(0).getOffset());
  }

  @Test
  void silenceIsNotJudgedAcrossAStalledStreamThread() {
    // the frame is held for its chunk; then the task does not run for 10 s (one late punctuation,
    // as a starved or blocked stream thread sees it): its chunk may be in a buffer or a repartition
    // topic not yet committed, so nothing is released at that punctuation
    send(frame("cam1", 1, T0 + 200));
    driver.advanceWallClockTime(Duration.ofSeconds(10));
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
    send(chunk("cam1", 1, T0 + 200)); // it was on its way
    flush(T0 + 60_000);
    assertEquals(List.of("cam1#1"), ids(paired.readValuesToList(), "cam1"));
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
    // a chunk that never comes: released once the silence has been observed for the bound
    send(frame("cam1", 2, T0 + 400));
    driver.advanceWallClockTime(Duration.ofSeconds(10));
    assertEquals(List.of(), deadLetters(TOPICS.video()), "not across the stall");
    WallClock.advance(driver, Duration.ofSeconds(8));
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).getErrorMessage().contains("(wall clock)"), v.get(0).getErrorMessage());
  }

  @Test
  void aStreamSilentWhileOtherRecordsStillArriveIsALaggingInputNotAPausedOne() {
    // cam1's chunk comes 12 s (wall clock) after its frame, behind a backlog of another stream's
    // records still arriving: the frame is waited for, not released as unpaired after 7 s
    send(frame("cam1", 0, T0));
    for (int i = 0; i < 6; i++) {
      WallClock.advance(driver, Duration.ofSeconds(2));
      send(frame("busy", i, T0 + 100L * i));
      send(chunk("busy", i, T0 + 100L * i));
    }
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
    send(chunk("cam1", 0, T0));
    flush(T0 + 60_000);
    assertEquals(List.of("cam1#0"), ids(paired.readValuesToList(), "cam1"));
    assertEquals(
        List.of(), deadLetters(TOPICS.audio()).stream().map(DeadLetter::getErrorMessage).toList());
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
  }

  @Test
  void aStreamsChunksRunningBehindItsFramesForLongerThanTheIdleBoundAreWaitedFor() {
    // cam1 has sent chunks before; then its audio input runs 10 s (wall clock) behind its video,
    // whose frames keep coming and move the stream 6 s past moment 1: the frames are waited for
    // (the audio input as a whole has not passed them), not released as unpaired after 7 s
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    for (int i = 1; i <= 5; i++) {
      WallClock.advance(driver, Duration.ofSeconds(2));
      send(frame("cam1", i, T0 + 1_200L * i));
    }
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
    for (int i = 1; i <= 5; i++) send(chunk("cam1", i, T0 + 1_200L * i + 5));
    flush(T0 + 60_000);
    assertEquals(
        List.of("cam1#0", "cam1#1", "cam1#2", "cam1#3", "cam1#4", "cam1#5"),
        ids(paired.readValuesToList(), "cam1").stream().sorted().toList());
    assertEquals(
        List.of(), deadLetters(TOPICS.video()).stream().map(DeadLetter::getErrorMessage).toList());
    assertEquals(
        List.of(), deadLetters(TOPICS.audio()).stream().map(DeadLetter::getErrorMessage).toList());
  }

  @Test
  void aStreamThatStopsSendingChunksWhileAnotherStreamsAudioGoesOnHasItsFramesReleased() {
    // cam1's microphone stops; cam2's audio passes cam1's frames: they are given up by cam1's own
    // progress, without waiting for the wall-clock bounds
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    send(frame("cam1", 1, T0 + 200));
    WallClock.advance(driver, Duration.ofSeconds(2));
    for (int i = 0; i < 4; i++) {
      WallClock.advance(driver, Duration.ofSeconds(2));
      send(frame("cam2", i, T0 + 2_000L * i));
      send(chunk("cam2", i, T0 + 2_000L * i));
    }
    send(frame("cam1", 30, T0 + 6_000));
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(1, v.size(), v.toString());
    assertTrue(
        v.get(0)
            .getErrorMessage()
            .startsWith("unpaired: frame of moment cam1#1 got no audio chunk"),
        v.get(0).getErrorMessage());
    assertTrue(v.get(0).getErrorMessage().contains("moved past"), v.get(0).getErrorMessage());
  }

  @Test
  void aTaskSilentWhileTheApplicationStillProcessesInputElsewhereIsNotAPausedInput() {
    // the frame's task gets nothing for 10 s (wall clock) while the application still decodes other
    // input (here records that never reach it): its chunk may be waiting behind that backlog, so
    // the
    // frame is not released as unpaired after 7 s
    send(frame("cam1", 1, T0));
    for (int i = 0; i < 5; i++) {
      WallClock.advance(driver, Duration.ofSeconds(2));
      video.pipeInput("cam9", "not avro".getBytes(), T0);
    }
    assertEquals(
        List.of(),
        deadLetters(TOPICS.video()).stream()
            .map(DeadLetter::getErrorMessage)
            .filter(m -> m.contains("cam1"))
            .toList());
    send(chunk("cam1", 1, T0)); // it was on its way
    flush(T0 + 60_000);
    assertEquals(List.of("cam1#1"), ids(paired.readValuesToList(), "cam1"));
    // once the whole application is silent for the bound, a lone frame goes
    send(frame("cam1", 2, T0 + 200));
    WallClock.advance(driver, Duration.ofSeconds(8));
    assertTrue(
        deadLetters(TOPICS.video()).stream()
            .anyMatch(d -> d.getErrorMessage().startsWith("unpaired: frame of moment cam1#2")),
        "released once the application is silent");
  }

  // ---- declared parts (docs/producing.md, "Declaring a moment's parts") ----

  private static org.apache.kafka.common.header.Headers parts(String value) {
    var h = new org.apache.kafka.common.header.internals.RecordHeaders();
    h.add(AvProducer.PARTS_HEADER, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return h;
  }

  private void sendDeclared(VideoFrame v, String declared) {
    video.pipeInput(
        new org.apache.kafka.streams.test.TestRecord<>(
            v.getStreamId(),
            TOPICS.video().valueSerde().serializer().serialize("t", v),
            parts(declared),
            v.getEventTimeMs()));
  }

  private void sendDeclared(AudioChunk a, String declared) {
    audio.pipeInput(
        new org.apache.kafka.streams.test.TestRecord<>(
            a.getStreamId(),
            TOPICS.audio().valueSerde().serializer().serialize("t", a),
            parts(declared),
            a.getEventTimeMs()));
  }

  @Test
  void aMomentDeclaredWithoutCaptionIsEmittedAsSoonAsFrameAndChunkAreIn() {
    send(label("cam1", "circle", null, T0, T0 + 60_000));
    sendDeclared(frame("cam1", 0, T0), "video,audio");
    sendDeclared(chunk("cam1", 0, T0), "video,audio");
    // undeclared, the same moment waits for the hold (no caption may still come)
    send(label("cam2", "circle", null, T0 - 1000, T0 + 60_000));
    send(frame("cam2", 0, T0));
    send(chunk("cam2", 0, T0));
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(List.of("cam1#0"), ids(out, "cam1"), "at once, no wall clock or stream time");
    assertEquals(List.of(), ids(out, "cam2"));
    assertNull(only(out, "cam1").getCaption());
    assertEquals("circle", only(out, "cam1").getLabel());
    flush(T0 + 60_000);
    assertEquals(List.of("cam2#0"), ids(paired.readValuesToList(), "cam2"));
  }

  @Test
  void aDeclaredPartThatNeverComesFallsBackToTheHoldAndABadDeclarationIsADeadLetter() {
    // declared with a caption that never comes: released by the usual rules, nothing lost
    sendDeclared(frame("cam1", 0, T0), "video,audio,text");
    sendDeclared(chunk("cam1", 0, T0), "video,audio,text");
    assertEquals(List.of(), ids(paired.readValuesToList(), "cam1"));
    flush(T0 + 60_000);
    assertEquals(List.of("cam1#0"), ids(paired.readValuesToList(), "cam1"));
    // a frame declaring parts without its own, or an unknown part: refused with the reason
    sendDeclared(frame("cam3", 0, T0 + 100), "audio");
    sendDeclared(frame("cam3", 1, T0 + 200), "video,smell");
    List<String> why =
        deadLetters(TOPICS.video()).stream()
            .filter(d -> DecodeProcessor.STAGE_VALIDATE.equals(d.getStage()))
            .map(DeadLetter::getErrorMessage)
            .toList();
    assertEquals(2, why.size(), why.toString());
    assertTrue(why.get(0).contains("does not list the record's own part, video"), why.get(0));
    assertTrue(why.get(1).contains("bad streamalign.parts header 'video,smell'"), why.get(1));
  }

  @Test
  void aLoneFrameDeclaredAloneIsReleasedAtOnce() {
    sendDeclared(frame("cam1", 0, T0), "video");
    List<DeadLetter> v = deadLetters(TOPICS.video());
    assertEquals(1, v.size(), v.toString());
    assertTrue(
        v.get(0).getErrorMessage().contains("its producer declared its parts as video"),
        v.get(0).getErrorMessage());
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
  void partialSerdeKeepsEachPartsSourceAndStillReadsTheFormatWithoutSources() {
    SourceHeaders.Source vs = new SourceHeaders.Source("av.video", 2, 41L);
    SourceHeaders.Source ts = new SourceHeaders.Source("av.text", 0, 7L);
    Partial frame = Partial.video("s", 7, "sess", 123, new float[] {1f}).withSource(vs);
    Partial caption = Partial.text("s", 7, "sess", 125, new float[] {2f}, "hi").withSource(ts);
    Partial held = frame.asMoment().merge(caption);
    Partial q =
        Partial.SERDE
            .deserializer()
            .deserialize("t", Partial.SERDE.serializer().serialize("t", held));
    assertEquals(vs, q.videoSource());
    assertNull(q.audioSource());
    assertEquals(ts, q.textSource());
    assertEquals(vs, q.videoPart().videoSource());
    assertEquals(ts, q.textPart().textSource());
    assertNull(q.withoutText().textSource());
    // format 3 (before sources were kept), as a changelog written by the previous version holds it
    byte[] v3 =
        new byte[] {
          3,
          0,
          0,
          0,
          1,
          's',
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          7,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          9,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1,
          0,
          0,
          0,
          4,
          's',
          'e',
          's',
          's',
          0,
          0,
          0,
          1,
          0x3f,
          (byte) 0x80,
          0,
          0,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1,
          -1
        };
    Partial old = Partial.SERDE.deserializer().deserialize("t", v3);
    assertEquals("sess", old.session());
    assertEquals(9L, old.eventTimeMs());
    assertArrayEquals(new float[] {1f}, old.video(), 0f);
    assertNull(old.videoSource());
    org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.kafka.common.errors.SerializationException.class,
        () -> Partial.SERDE.deserializer().deserialize("t", new byte[] {9, 0, 0, 0, 0}));
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
  void everyDuplicatePartIsADeadLetterNamingItsSourceRecord() {
    VideoFrame v = frame("cam1", 3, T0);
    AudioChunk a = chunk("cam1", 3, T0 + 50);
    TextSegment t = caption("cam1", 3, T0 + 10, "a red circle");
    send(v); // video offset 0
    send(v); // video offset 1: a second frame while the first is held
    send(a); // audio offset 0
    send(a); // audio offset 1: a second chunk while the moment is held
    send(t); // text offset 0: the moment is complete and emitted
    send(t); // text offset 1: after the moment was emitted
    flush(T0 + 60_000);
    assertEquals(List.of("cam1#3"), ids(paired.readValuesToList(), "cam1"));
    DeadLetter dv = oneLetter(TOPICS.video());
    assertEquals(SampleGate.STAGE_DUPLICATE, dv.getStage());
    assertTrue(
        dv.getErrorMessage().startsWith("duplicate: a second frame of moment cam1#3"),
        dv.getErrorMessage());
    assertEquals(TOPICS.video().name(), dv.getOriginalTopic());
    assertEquals(0, dv.getPartition());
    assertEquals(1L, dv.getOffset());
    DeadLetter da = oneLetter(TOPICS.audio());
    assertEquals(SampleGate.STAGE_DUPLICATE, da.getStage());
    assertEquals(1L, da.getOffset());
    DeadLetter dt = oneLetter(TOPICS.text());
    assertEquals(LateGate.STAGE_LATE, dt.getStage());
    assertTrue(
        dt.getErrorMessage().startsWith("late or duplicate: caption of moment cam1#3"),
        dt.getErrorMessage());
    assertEquals(1L, dt.getOffset());
  }

  @Test
  void aLonePartReleasedByStreamTimeNamesItsOwnSourceRecordAndSoDoesItsCaption() {
    send(frame("a", 0, T0)); // video offset 0
    send(chunk("a", 0, T0)); // audio offset 0 (a pair: emitted)
    send(caption("cam1", 5, T0, "lonely")); // text offset 0
    send(frame("cam1", 5, T0 + 10)); // video offset 1: never gets its chunk
    send(chunk("cam2", 9, T0 + 20)); // audio offset 1: never gets its frame
    send(frame("b", 0, T0 + 30)); // video offset 2
    send(chunk("b", 0, T0 + 30)); // audio offset 2
    flush(T0 + 60_000); // released at stream time, while other records are processed
    DeadLetter frameLetter =
        deadLetters(TOPICS.video()).stream()
            .filter(d -> d.getErrorMessage().contains("cam1#5"))
            .findFirst()
            .orElseThrow();
    assertEquals(SampleGate.STAGE_UNPAIRED, frameLetter.getStage());
    assertTrue(
        frameLetter.getErrorMessage().startsWith("unpaired: frame of moment cam1#5"),
        frameLetter.getErrorMessage());
    assertEquals(
        1L,
        frameLetter.getOffset(),
        "the frame's own source record, not the record being processed");
    assertEquals(0, frameLetter.getPartition());
    DeadLetter captionLetter = oneLetter(TOPICS.text());
    assertTrue(
        captionLetter.getErrorMessage().startsWith("unused caption: moment cam1#5"),
        captionLetter.getErrorMessage());
    assertEquals(0L, captionLetter.getOffset());
    assertEquals(TOPICS.text().name(), captionLetter.getOriginalTopic());
    DeadLetter chunkLetter =
        deadLetters(TOPICS.audio()).stream()
            .filter(d -> d.getErrorMessage().contains("cam2#9"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        chunkLetter.getErrorMessage().startsWith("unpaired: audio chunk of moment cam2#9"),
        chunkLetter.getErrorMessage());
    assertEquals(1L, chunkLetter.getOffset());
  }

  @Test
  void aLonePartReleasedByTheWallClockNamesItsSourceRecord() {
    send(frame("a", 0, T0)); // video offset 0
    send(chunk("a", 0, T0)); // audio offset 0
    send(chunk("mic", 4, T0 + 100)); // audio offset 1: its frame never comes, and input pauses
    send(caption("mic", 4, T0 + 100, "hello")); // text offset 0
    WallClock.advance(driver, Duration.ofSeconds(30));
    DeadLetter chunkLetter =
        deadLetters(TOPICS.audio()).stream()
            .filter(d -> d.getErrorMessage().contains("mic#4"))
            .findFirst()
            .orElseThrow();
    assertEquals(SampleGate.STAGE_UNPAIRED, chunkLetter.getStage());
    assertEquals(TOPICS.audio().name(), chunkLetter.getOriginalTopic());
    assertEquals(0, chunkLetter.getPartition());
    assertEquals(
        1L, chunkLetter.getOffset(), "released by a punctuator, with no record being processed");
    DeadLetter captionLetter = oneLetter(TOPICS.text());
    assertTrue(
        captionLetter.getErrorMessage().startsWith("unused caption: moment mic#4"),
        captionLetter.getErrorMessage());
    assertEquals(0L, captionLetter.getOffset());
    assertEquals(List.of("a#0"), ids(paired.readValuesToList(), "a"));
  }

  @Test
  void aLabelOlderThanTheLabelHistoryNamesItsSourceRecordNotTheRepartitionTopic() {
    send(label("cam1", "new", null, T0 + 7_200_000, T0 + 7_300_000)); // labels offset 0
    send(
        label(
            "cam1", "old", null, T0, T0 + 1000)); // labels offset 1: two hours behind, history 1 h
    DeadLetter d = oneLetter(TOPICS.labels());
    assertEquals(LateGate.STAGE_LATE, d.getStage());
    assertEquals(TOPICS.labels().name(), d.getOriginalTopic());
    assertEquals(0, d.getPartition());
    assertEquals(1L, d.getOffset());
  }

  @Test
  void everyDeadLetterIsStampedWithTheWallClockNotTheRefusedRecordsTime() {
    // the broker keeps (and rolls segments) by record timestamps: a letter stamped a year back was
    // deleted by its next retention check (docs/producing.md, "What happens to a violation")
    long wallBefore = System.currentTimeMillis() - 60_000; // the driver's clock starts at its
    // creation
    long year = Duration.ofDays(365).toMillis();
    send(label("cam1", "new", null, T0, T0 + 60_000));
    for (int i = 0; i < 3; i++) {
      send(frame("cam1", i, T0 + 200L * i));
      send(chunk("cam1", i, T0 + 200L * i));
      send(caption("cam1", i, T0 + 200L * i, "moment " + i));
    }
    video.pipeInput("cam1", "not avro".getBytes(), T0 - year); // pairing.decode
    send(frame("cam1", 7, T0 - year)); // late: behind its stream's video
    send(chunk("cam1", 8, T0 - year)); // late: behind its stream's audio
    send(caption("cam1", 9, T0 - year, "old")); // late: behind its stream's text
    send(frame("cam-new", 0, T0 - year)); // late: behind its partition's newest
    send(label("cam1", "old", null, T0 - year, T0 - year + 1000)); // late: label history
    send(frame("cam1", 3, T0 + 600)); // unpaired, released by the wall clock
    flush(T0 + 1_000);
    int letters = 0;
    for (Topic<?, ?> t : List.of(TOPICS.video(), TOPICS.audio(), TOPICS.text(), TOPICS.labels())) {
      Topic<byte[], DeadLetter> dlq = TOPICS.deadLetters(t);
      for (var r :
          driver
              .createOutputTopic(
                  dlq.name(), new ByteArrayDeserializer(), dlq.valueSerde().deserializer())
              .readRecordsToList()) {
        letters++;
        long ts = r.timestamp();
        assertTrue(
            ts >= wallBefore && ts <= System.currentTimeMillis() + 60_000,
            r.value().getStage() + " " + r.value().getErrorMessage() + ": stamped " + ts);
      }
    }
    assertEquals(7, letters);
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
    assertEquals(
        2, paired.readValuesToList().stream().filter(s -> !s.getStreamId().equals("tick")).count());
  }

  @Test
  void aMomentWhoseLabelIsKnownGoesAtOnceOthersWaitForTheLabelGrace() {
    send(label("cam1", "circle", null, T0, T0 + 5000));
    send(caption("cam1", 0, T0, "circle"));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    // no later record has moved stream time: the labelled moment is out all the same
    PairedSample s = only(paired.readValuesToList(), "cam1");
    assertEquals("circle", s.getLabel());

    send(caption("cam2", 0, T0 + 10, "square"));
    send(frame("cam2", 0, T0 + 10));
    send(chunk("cam2", 0, T0 + 10));
    assertEquals(
        List.of(), ids(paired.readValuesToList(), "cam2"), "no label yet: it waits for one");
    long grace = PairingConfig.defaults().labelGrace().toMillis();
    send(caption("cam1", 1, T0 + 10 + grace - 1, "circle"));
    send(frame("cam1", 1, T0 + 10 + grace - 1));
    send(chunk("cam1", 1, T0 + 10 + grace - 1));
    assertEquals(
        List.of(),
        ids(paired.readValuesToList(), "cam2"),
        "stream time has not passed its grace yet");
    send(label("cam2", "square", null, T0, T0 + 1000)); // its label, late but within the grace
    flush(T0 + 10 + grace);
    PairedSample waited = only(paired.readValuesToList(), "cam2");
    assertEquals("square", waited.getLabel(), "the label that came within the grace applies");
  }

  @Test
  void aMomentTakesItsOwnLabelSentJustAfterItsPartsNotTheEarlierOneStillCoveringIt() {
    // examples/python/produce.py: each moment's label covers [t, t + period) and is sent after the
    // moment's parts; with jitter the previous label still covers the next moment's time
    send(label("cam1", "circle", null, T0, T0 + 70));
    sendDeclared(frame("cam1", 0, T0), "video,audio");
    sendDeclared(chunk("cam1", 0, T0), "video,audio");
    assertEquals("circle", only(paired.readValuesToList(), "cam1").getLabel());
    sendDeclared(frame("cam1", 1, T0 + 60), "video,audio");
    sendDeclared(chunk("cam1", 1, T0 + 60), "video,audio");
    assertEquals(
        List.of(),
        ids(paired.readValuesToList(), "cam1"),
        "covered by the label before it, but its own may still come");
    send(label("cam1", "square", null, T0 + 60, T0 + 130));
    driver.advanceWallClockTime(Duration.ofMillis(LabelWait.SETTLED_CHECK_MS));
    PairedSample s = only(paired.readValuesToList(), "cam1");
    assertEquals("cam1#1", s.getSampleId());
    assertEquals("square", s.getLabel(), "its own label, not the earlier one covering it");
  }

  @Test
  void aMomentWaitsForItsOwnLabelWhenALaterOneOfItsStreamCameFirst() {
    // one stream's labels spread over partitions (random partitioner) may arrive out of order
    send(label("cam1", "square", null, T0 + 100, T0 + 200));
    sendDeclared(frame("cam1", 0, T0), "video,audio");
    sendDeclared(chunk("cam1", 0, T0), "video,audio");
    assertEquals(
        List.of(), ids(paired.readValuesToList(), "cam1"), "no label covers it yet: it waits");
    send(label("cam1", "circle", null, T0, T0 + 100));
    driver.advanceWallClockTime(Duration.ofMillis(LabelWait.SETTLED_CHECK_MS));
    assertEquals("circle", only(paired.readValuesToList(), "cam1").getLabel());
  }

  @Test
  void aMomentCoveredOnlyByALabelThatStartedBeforeItTakesItAfterTheGrace() {
    send(label("cam1", "circle", null, T0 - 1000, T0 + 60_000));
    sendDeclared(frame("cam1", 0, T0), "video,audio");
    sendDeclared(chunk("cam1", 0, T0), "video,audio");
    assertEquals(List.of(), ids(paired.readValuesToList(), "cam1"), "a newer label may come");
    long grace = PairingConfig.defaults().labelGrace().toMillis();
    sendDeclared(frame("cam1", 1, T0 + grace), "video,audio");
    sendDeclared(chunk("cam1", 1, T0 + grace), "video,audio");
    PairedSample s = only(paired.readValuesToList(), "cam1");
    assertEquals("cam1#0", s.getSampleId(), "its stream's time passed its grace");
    assertEquals("circle", s.getLabel(), "no newer label came: the covering one applies");
  }

  @Test
  void aMomentIsNotReleasedWithoutItsLabelAcrossAStalledStreamThread() {
    // the moment waits for a label; then the task does not run for 10 s (one late punctuation, as a
    // starved or blocked stream thread sees it): its label may be in a buffer, so the moment is
    // not released unlabelled at that punctuation
    send(caption("cam1", 0, T0, "circle"));
    send(frame("cam1", 0, T0));
    send(chunk("cam1", 0, T0));
    driver.advanceWallClockTime(Duration.ofSeconds(10));
    assertEquals(List.of(), ids(paired.readValuesToList(), "cam1"), "not across the stall");
    send(label("cam1", "circle", null, T0, T0 + 1000)); // it was on its way
    flush(T0 + 60_000);
    assertEquals("circle", only(paired.readValuesToList(), "cam1").getLabel());
    // a label that never comes: the moment goes unlabelled once silence has been observed
    send(caption("cam2", 0, T0 + 61_000, "square"));
    send(frame("cam2", 0, T0 + 61_000));
    send(chunk("cam2", 0, T0 + 61_000));
    driver.advanceWallClockTime(Duration.ofSeconds(10));
    assertEquals(List.of(), ids(paired.readValuesToList(), "cam2"), "not across the stall");
    WallClock.advance(driver, Duration.ofSeconds(8));
    assertNull(only(paired.readValuesToList(), "cam2").getLabel());
  }

  @Test
  void aLaggingStreamsLabelSentJustAfterItsMomentStillApplies() {
    // camB's clock is 10 s behind camA's on the same partition: the label grace is judged in camB's
    // time
    send(caption("camA", 0, T0, "circle"));
    send(frame("camA", 0, T0));
    send(chunk("camA", 0, T0));
    send(caption("camB", 0, T0 - 10_000, "square"));
    send(frame("camB", 0, T0 - 10_000));
    send(chunk("camB", 0, T0 - 10_000));
    assertEquals(
        List.of(),
        ids(paired.readValuesToList(), "camB"),
        "it waits for a label in its own stream's time");
    send(label("camB", "square", null, T0 - 10_000, T0 - 9_000));
    flush(T0 + 60_000);
    assertEquals("square", only(paired.readValuesToList(), "camB").getLabel());
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

  /**
   * The one dead letter on {@code t}'s dead-letter topic (a moment's letter keeps no value bytes).
   */
  DeadLetter oneLetter(Topic<?, ?> t) {
    List<DeadLetter> dl = deadLetters(t);
    assertEquals(1, dl.size(), "dead letters on " + t.dlq() + ": " + dl);
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
