package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The input rules of docs/producing.md under {@link TopologyTestDriver}: hostile and odd records
 * each end as a dead letter with a reason, and none of them disturbs the good streams around it.
 * Times are near the real wall clock, since the future-skew rule compares event times with it.
 */
class InputRulesTest {

  static final Topics TOPICS = Topics.defaults();

  @TempDir Path stateDir;
  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> video;
  TestInputTopic<String, byte[]> audio;
  TestInputTopic<String, byte[]> text;
  TestInputTopic<String, byte[]> labels;
  TestOutputTopic<String, PairedSample> paired;
  final Random rnd = new Random(11);
  long now;

  @BeforeEach
  void setUp() {
    now = System.currentTimeMillis();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "input-rules-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(
        StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
    driver =
        new TopologyTestDriver(
            PairingTopology.build(PairingConfig.defaults(), TOPICS), p, Instant.ofEpochMilli(now));
    video = input(TOPICS.video());
    audio = input(TOPICS.audio());
    text = input(TOPICS.text());
    labels = input(TOPICS.labels());
    paired =
        driver.createOutputTopic(
            TOPICS.paired().name(),
            new StringDeserializer(),
            TOPICS.paired().valueSerde().deserializer());
  }

  TestInputTopic<String, byte[]> input(Topic<?, ?> t) {
    return driver.createInputTopic(t.name(), new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  VideoFrame frame(String stream, long seq, long t) {
    byte[] px = new byte[784];
    rnd.nextBytes(px);
    return VideoFrame.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setWidth(28)
        .setHeight(28)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(px))
        .build();
  }

  AudioChunk chunk(String stream, long seq, long t) {
    short[] s = new short[2000];
    for (int i = 0; i < s.length; i++)
      s[i] = (short) (8000 * Math.sin(2 * Math.PI * (300 + 40 * seq) * i / 8000.0));
    return AudioChunk.newBuilder()
        .setStreamId(stream)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setSampleRate(8000)
        .setChannels(1)
        .setData(ByteBuffer.wrap(AvProducer.pcm16le(s)))
        .build();
  }

  void send(VideoFrame v, long kafkaTs, String session) {
    pipe(
        video,
        v.getStreamId(),
        TOPICS.video().valueSerde().serializer().serialize("t", v),
        kafkaTs,
        session);
  }

  void send(AudioChunk a, long kafkaTs, String session) {
    pipe(
        audio,
        a.getStreamId(),
        TOPICS.audio().valueSerde().serializer().serialize("t", a),
        kafkaTs,
        session);
  }

  void moment(String stream, long seq, long t, String session) {
    send(frame(stream, seq, t), t, session);
    send(chunk(stream, seq, t + 10), t + 10, session);
  }

  static void pipe(
      TestInputTopic<String, byte[]> topic, String key, byte[] value, long ts, String session) {
    RecordHeaders h = new RecordHeaders();
    if (session != null)
      h.add(DecodeProcessor.SESSION_HEADER, session.getBytes(StandardCharsets.UTF_8));
    topic.pipeInput(new TestRecord<>(key, value, h, ts));
  }

  /** Moves stream time past every window and grace with a moment on another stream. */
  void flush(long t) {
    moment("tick", ticks++, t, null);
    driver.advanceWallClockTime(Duration.ofSeconds(10));
  }

  long ticks;

  List<String> ids(String stream) {
    return paired.readValuesToList().stream()
        .filter(s -> s.getStreamId().equals(stream))
        .map(PairedSample::getSampleId)
        .sorted()
        .collect(Collectors.toList());
  }

  List<DeadLetter> deadLetters(Topic<?, ?> topic) {
    Topic<byte[], DeadLetter> dlq = TOPICS.deadLetters(topic);
    return driver
        .createOutputTopic(dlq.name(), new ByteArrayDeserializer(), dlq.valueSerde().deserializer())
        .readValuesToList();
  }

  // ---- event time ----

  @Test
  void aFrameAYearAheadIsDeadLetteredAndDoesNotMoveStreamTime() {
    long year = Duration.ofDays(365).toMillis();
    moment("cam1", 0, now, null);
    // one record a year ahead, both in its event time and its Kafka timestamp; another whose Kafka
    // timestamp
    // is sane but whose event time is ahead by 6 minutes (the default skew is 5)
    send(frame("cam1", 1, now + year), now + year, null);
    send(frame("cam1", 2, now + 6 * 60_000), now, null);
    // the stream goes on: had stream time jumped a year, these would all be dropped as late
    for (int i = 3; i < 8; i++) moment("cam1", i, now + 200L * i, null);
    flush(now + 30_000);
    assertEquals(List.of("cam1#0", "cam1#3", "cam1#4", "cam1#5", "cam1#6", "cam1#7"), ids("cam1"));
    List<DeadLetter> dl = deadLetters(TOPICS.video());
    assertEquals(2, dl.size(), dl.toString());
    for (DeadLetter d : dl) {
      assertEquals("pairing.validate", d.getStage());
      assertTrue(
          d.getErrorMessage().contains("ahead of the record's timestamp or the wall clock"),
          d.getErrorMessage());
    }
    assertTrue(deadLetters(TOPICS.audio()).isEmpty(), "nothing good was late");
  }

  @Test
  void farPastRecordsAreDeadLetteredAsLateNotDroppedSilently() {
    moment("cam1", 0, now, null);
    moment("cam1", 1, now + 5_000, null);
    moment("old", 0, now - Duration.ofDays(30).toMillis(), null);
    flush(now + 30_000);
    assertEquals(List.of("cam1#0", "cam1#1"), ids("cam1"));
    DeadLetter v = deadLetters(TOPICS.video()).get(0);
    DeadLetter a = deadLetters(TOPICS.audio()).get(0);
    for (DeadLetter d : List.of(v, a)) {
      assertEquals("pairing.late", d.getStage());
      assertTrue(d.getErrorMessage().startsWith("late: event time"), d.getErrorMessage());
      assertEquals(ByteBuffer.wrap("old".getBytes(StandardCharsets.UTF_8)), d.getKey());
    }
  }

  // ---- sequence numbers and sessions ----

  @Test
  void aRestartedProducerIsNeverTakenForADuplicateWhileExactDuplicatesStillAre() {
    assertEquals(AvProducer.SESSION_HEADER, DecodeProcessor.SESSION_HEADER);
    for (int i = 0; i < 3; i++) moment("cam1", i, now + 100L * i, "run-a");
    // the producer restarts 2 s later and counts from 0 again, with a new session
    for (int i = 0; i < 3; i++) moment("cam1", i, now + 2_000 + 100L * i, "run-b");
    // the same record twice (a retried send) is still one sample
    moment("cam1", 2, now + 2_200, "run-b");
    // records without a session keep the plain id
    moment("cam2", 0, now, null);
    flush(now + 30_000);
    assertEquals(
        List.of(
            "cam1#0/run-a",
            "cam1#0/run-b",
            "cam1#1/run-a",
            "cam1#1/run-b",
            "cam1#2/run-a",
            "cam1#2/run-b"),
        ids("cam1"));
    // the retried frame and chunk are counted and each is a dead letter naming its own record
    // (offset 6:
    // after 3 + 3 moments), not a silent drop
    double dropped =
        driver.metrics().entrySet().stream()
            .filter(e -> e.getKey().name().equals(PairingTopology.DUPLICATES_METRIC + "-total"))
            .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
            .sum();
    assertEquals(2.0, dropped);
    for (Topic<?, ?> t : List.of(TOPICS.video(), TOPICS.audio())) {
      List<DeadLetter> dl = deadLetters(t);
      assertEquals(1, dl.size(), t.name() + ": " + dl);
      assertEquals(SampleGate.STAGE_DUPLICATE, dl.get(0).getStage());
      assertTrue(
          dl.get(0).getErrorMessage().contains("of moment cam1#2/run-b"),
          dl.get(0).getErrorMessage());
      assertEquals(t.name(), dl.get(0).getOriginalTopic());
      assertEquals(6L, dl.get(0).getOffset());
    }
    paired.readValuesToList();
  }

  @Test
  void framesAndChunksOfDifferentSessionsNeverPair() {
    send(frame("cam1", 0, now), now, "run-a");
    send(chunk("cam1", 0, now + 10), now + 10, "run-b");
    flush(now + 30_000);
    assertEquals(List.of(), ids("cam1"));
  }

  @Test
  void aBadSessionHeaderOrHugeHeadersAreRejected() {
    send(frame("cam1", 0, now), now, "has spaces and ü");
    RecordHeaders big = new RecordHeaders();
    big.add("junk", new byte[100_000]);
    video.pipeInput(
        new TestRecord<>(
            "cam1",
            TOPICS.video().valueSerde().serializer().serialize("t", frame("cam1", 1, now)),
            big,
            now));
    List<DeadLetter> dl = deadLetters(TOPICS.video());
    assertEquals(2, dl.size());
    assertTrue(
        dl.get(0).getErrorMessage().contains("bad streamalign.session header"),
        dl.get(0).getErrorMessage());
    assertTrue(
        dl.get(1).getErrorMessage().contains("headers of 100004 bytes"),
        dl.get(1).getErrorMessage());
  }

  // ---- size ----

  @Test
  void anOversizedRecordIsDeadLetteredWithItsSizeAndAPrefix() {
    VideoFrame huge = frame("cam1", 0, now);
    huge.setWidth(4096);
    huge.setHeight(2560);
    huge.setData(ByteBuffer.wrap(new byte[4096 * 2560]));
    send(huge, now, null);
    moment("cam1", 1, now + 100, null);
    flush(now + 30_000);
    assertEquals(List.of("cam1#1"), ids("cam1"));
    DeadLetter d = deadLetters(TOPICS.video()).get(0);
    assertTrue(
        d.getErrorMessage().contains("oversized value: 10485792 bytes"), d.getErrorMessage());
    assertTrue(d.getOriginalValueSize() > 10L * 1024 * 1024);
    assertTrue(d.getValueTruncated());
    assertEquals(DeadLetters.MAX_VALUE_BYTES, DeadLetters.valueBytes(d).length);
  }

  // ---- malformed content ----

  @Test
  void malformationsThatUsedToSlipThroughAreRejectedEachWithAReason() {
    VideoFrame zeroPng = frame("cam1", 0, now);
    zeroPng.setEncoding(FrameEncoding.PNG);
    zeroPng.setWidth(0);
    zeroPng.setHeight(0);
    send(zeroPng, now, null);
    VideoFrame pngChannels = frame("cam1", 1, now);
    pngChannels.setEncoding(FrameEncoding.PNG);
    pngChannels.setChannels(0);
    send(pngChannels, now, null);
    AudioChunk oddRate = chunk("cam1", 2, now);
    oddRate.setSampleRate(1001);
    send(oddRate, now, null);
    AudioChunk oneSample = chunk("cam1", 3, now);
    oneSample.setData(ByteBuffer.wrap(new byte[2]));
    send(oneSample, now, null);
    TextSegment longText =
        TextSegment.newBuilder()
            .setStreamId("cam1")
            .setSeq(4)
            .setEventTimeMs(now)
            .setText("word ".repeat(5_000))
            .build();
    text.pipeInput("cam1", TOPICS.text().valueSerde().serializer().serialize("t", longText), now);
    LabelEvent longClass =
        LabelEvent.newBuilder()
            .setStreamId("cam1")
            .setClassName("x".repeat(1000))
            .setStartTimeMs(now)
            .setEndTimeMs(now + 10)
            .setEventTimeMs(now)
            .build();
    labels.pipeInput(
        "cam1", TOPICS.labels().valueSerde().serializer().serialize("t", longClass), now);

    List<String> reasons = new ArrayList<>();
    for (Topic<?, ?> t : List.of(TOPICS.video(), TOPICS.audio(), TOPICS.text(), TOPICS.labels())) {
      for (DeadLetter d : deadLetters(t)) {
        assertEquals("pairing.validate", d.getStage(), d.getErrorMessage());
        reasons.add(d.getErrorMessage());
      }
    }
    assertEquals(6, reasons.size(), reasons.toString());
    assertTrue(reasons.get(0).contains("bad frame size 0x0"), reasons.get(0));
    assertTrue(reasons.get(1).contains("unsupported encoding PNG with 0 channels"), reasons.get(1));
    assertTrue(reasons.get(2).contains("bad sample rate 1001 Hz"), reasons.get(2));
    assertTrue(reasons.get(3).contains("lasts 0 ms"), reasons.get(3));
    assertTrue(reasons.get(4).contains("text of 25000 characters"), reasons.get(4));
    assertTrue(reasons.get(5).contains("class name of 1000 characters"), reasons.get(5));
  }

  @Test
  void outOfRangeFeaturesAreRejected() {
    Featurizers d = Featurizers.defaults();
    Featurizers huge =
        new Featurizers() {
          @Override
          public float[] video(int w, int h, int c, String e, byte[] data) {
            return d.video(w, h, c, e, data);
          }

          @Override
          public float[] audio(byte[] pcm, int rate, int ch) {
            float[] x = d.audio(pcm, rate, ch);
            x[3] = 3e7f;
            return x;
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
    driver.close();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "input-rules-test-2");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("2").toString());
    driver =
        new TopologyTestDriver(
            PairingTopology.build(PairingConfig.defaults(), TOPICS, huge),
            p,
            Instant.ofEpochMilli(now));
    audio = input(TOPICS.audio());
    send(chunk("cam1", 0, now), now, null);
    DeadLetter dl = deadLetters(TOPICS.audio()).get(0);
    assertEquals("pairing.featurize", dl.getStage());
    assertTrue(
        dl.getErrorMessage().contains("out-of-range audio feature 3.0E7 at index 3"),
        dl.getErrorMessage());
  }

  // ---- nothing unused is silent ----

  @Test
  void loneFramesChunksAndCaptionsAndFarApartPartsEachEndAsADeadLetterWithAReason() {
    send(frame("cam1", 0, now), now, null); // no chunk ever
    send(chunk("cam1", 1, now + 100), now + 100, null); // no frame ever
    TextSegment lone =
        TextSegment.newBuilder()
            .setStreamId("cam1")
            .setSeq(2)
            .setEventTimeMs(now + 200)
            .setText("hi")
            .build();
    text.pipeInput("cam1", TOPICS.text().valueSerde().serializer().serialize("t", lone), now + 200);
    send(frame("cam1", 3, now + 300), now + 300, null);
    send(
        chunk("cam1", 3, now + 1_800),
        now + 1_800,
        null); // 1.5 s from its frame: the window is 1 s
    moment("cam1", 4, now + 400, null);
    flush(now + 30_000);
    assertEquals(List.of("cam1#4"), ids("cam1"));
    List<String> video =
        deadLetters(TOPICS.video()).stream()
            .map(DeadLetter::getErrorMessage)
            .filter(m -> m.contains("cam1#"))
            .collect(Collectors.toList());
    List<String> audio =
        deadLetters(TOPICS.audio()).stream()
            .map(DeadLetter::getErrorMessage)
            .filter(m -> m.contains("cam1#"))
            .collect(Collectors.toList());
    List<String> texts =
        deadLetters(TOPICS.text()).stream()
            .map(DeadLetter::getErrorMessage)
            .collect(Collectors.toList());
    assertTrue(
        video.stream()
            .anyMatch(m -> m.startsWith("unpaired: frame of moment cam1#0 got no audio chunk")),
        video.toString());
    assertTrue(
        video.stream().anyMatch(m -> m.startsWith("unpaired: frame of moment cam1#3")),
        video.toString());
    assertTrue(
        audio.stream()
            .anyMatch(m -> m.startsWith("unpaired: audio chunk of moment cam1#1 got no frame")),
        audio.toString());
    assertTrue(
        audio.stream()
            .anyMatch(
                m ->
                    m.startsWith(
                        "unpaired: audio chunk of moment cam1#3 is 1500 ms from its partner")),
        audio.toString());
    assertEquals(1, texts.size(), texts.toString());
    assertTrue(
        texts
            .get(0)
            .startsWith(
                "unused caption: no frame and audio chunk of moment cam1#2 came within the 4000 ms hold"),
        texts.toString());
  }

  // ---- input pauses ----

  @Test
  void momentsHeldWhenInputPausesAreEmittedOnceTheirGraceHasPassedByTheWallClock() {
    LabelEvent label =
        LabelEvent.newBuilder()
            .setStreamId("cam1")
            .setClassName("seven")
            .setStartTimeMs(now)
            .setEndTimeMs(now + 10_000)
            .setEventTimeMs(now)
            .build();
    labels.pipeInput("cam1", TOPICS.labels().valueSerde().serializer().serialize("t", label), now);
    for (int i = 0; i < 10; i++) moment("cam1", i, now + 100L * i, null);
    // input stops here: no later record will ever move stream time
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertTrue(paired.readValuesToList().size() < 10, "held while the hold has not passed");
    driver.advanceWallClockTime(Duration.ofSeconds(5));
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    List<PairedSample> out = paired.readValuesToList();
    assertEquals(10, out.size(), out.stream().map(PairedSample::getSampleId).toList().toString());
    for (PairedSample s : out) assertEquals("seven", s.getLabel(), s.getSampleId());
  }
}
