package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.AvroSerde;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record headers at the pairing's input (docs/producing.md, "Headers"): a frame written with a
 * schema this build does not know is paired when it carries that schema in the {@code avro.schema}
 * header, refused with the reason without it, and no input header reaches the outputs.
 */
class InputHeadersTest {

  static final Topics TOPICS = Topics.defaults();
  static final long T0 = 1_700_000_000_000L;
  static final Schema VIDEO = VideoFrame.getClassSchema();

  @TempDir Path stateDir;

  /** VideoFrame plus an optional field, as a producer's evolved copy of VideoFrame.avsc. */
  static Schema evolvedVideo() {
    String json = VIDEO.toString();
    int end = json.lastIndexOf(']');
    return new Schema.Parser()
        .parse(
            json.substring(0, end)
                + ",{\"name\":\"exposureMs\",\"type\":[\"null\",\"long\"],\"default\":null}"
                + json.substring(end));
  }

  static byte[] evolvedFrame(Schema s, String stream, long seq, long t) throws IOException {
    byte[] px = new byte[28 * 28];
    for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7 + seq);
    GenericRecord r =
        new GenericRecordBuilder(s)
            .set("streamId", stream)
            .set("seq", seq)
            .set("eventTimeMs", t)
            .set("width", 28)
            .set("height", 28)
            .set("channels", 1)
            .set("encoding", new GenericData.EnumSymbol(s.getField("encoding").schema(), "RAW8"))
            .set("data", ByteBuffer.wrap(px))
            .set("exposureMs", 20L)
            .build();
    ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), s).encode(r);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static byte[] chunk(String stream, long seq, long t) {
    short[] pcm = new short[1600];
    for (int i = 0; i < pcm.length; i++) pcm[i] = (short) (5000 * Math.sin(i * 0.07 * (seq + 1)));
    return AvroSerde.of(AudioChunk.class)
        .encode(
            AudioChunk.newBuilder()
                .setStreamId(stream)
                .setSeq(seq)
                .setEventTimeMs(t)
                .setSampleRate(16000)
                .setChannels(1)
                .setData(ByteBuffer.wrap(AvProducer.pcm16le(pcm)))
                .build());
  }

  @Test
  void anEvolvedFrameWithItsSchemaHeaderIsPairedAndNoHeaderReachesTheOutputs() throws IOException {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "headers-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    try (TopologyTestDriver driver =
        new TopologyTestDriver(PairingTopology.build(PairingConfig.defaults(), TOPICS), p)) {
      TestInputTopic<String, byte[]> video =
          driver.createInputTopic(
              TOPICS.video().name(), new StringSerializer(), new ByteArraySerializer());
      TestInputTopic<String, byte[]> audio =
          driver.createInputTopic(
              TOPICS.audio().name(), new StringSerializer(), new ByteArraySerializer());
      Schema evolved = evolvedVideo();
      RecordHeaders withSchema = new RecordHeaders();
      withSchema.add(AvroSerde.SCHEMA_HEADER, evolved.toString().getBytes(StandardCharsets.UTF_8));
      withSchema.add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));

      // first without the header (nothing knows the schema yet), then with it; a reader remembers a
      // schema learnt from a header, so the order matters here
      video.pipeInput(
          new TestRecord<>("cam2", evolvedFrame(evolved, "cam2", 0, T0), new RecordHeaders(), T0));
      audio.pipeInput(
          new TestRecord<>("cam2", chunk("cam2", 0, T0 + 10), new RecordHeaders(), T0 + 10));
      video.pipeInput(
          new TestRecord<>("cam1", evolvedFrame(evolved, "cam1", 0, T0), withSchema, T0));
      audio.pipeInput(
          new TestRecord<>("cam1", chunk("cam1", 0, T0 + 10), new RecordHeaders(), T0 + 10));
      TestInputTopic<String, byte[]> text =
          driver.createInputTopic(
              TOPICS.text().name(), new StringSerializer(), new ByteArraySerializer());
      // two full moments far later move stream time past the windows, the gate and the label grace
      for (long seq = 0; seq < 2; seq++) {
        long t = T0 + 60_000 * (seq + 1);
        text.pipeInput(
            new TestRecord<>(
                "tick",
                AvroSerde.of(TextSegment.class)
                    .encode(
                        TextSegment.newBuilder()
                            .setStreamId("tick")
                            .setSeq(seq)
                            .setEventTimeMs(t)
                            .setText("tick")
                            .build()),
                new RecordHeaders(),
                t));
        video.pipeInput(
            new TestRecord<>(
                "tick",
                AvroSerde.of(VideoFrame.class)
                    .encode(
                        VideoFrame.newBuilder()
                            .setStreamId("tick")
                            .setSeq(seq)
                            .setEventTimeMs(t)
                            .setWidth(28)
                            .setHeight(28)
                            .setChannels(1)
                            .setEncoding(io.streamalign.schemas.avro.FrameEncoding.RAW8)
                            .setData(ByteBuffer.wrap(new byte[28 * 28]))
                            .build()),
                new RecordHeaders(),
                t));
        audio.pipeInput(new TestRecord<>("tick", chunk("tick", seq, t), new RecordHeaders(), t));
      }
      // another stream's time releases nothing (lateness and release are per stream): the input
      // pauses
      // past the wall-clock bound, which releases cam1's and cam2's moments
      driver.advanceWallClockTime(java.time.Duration.ofSeconds(30));

      TestOutputTopic<String, PairedSample> paired =
          driver.createOutputTopic(
              TOPICS.paired().name(),
              new StringDeserializer(),
              TOPICS.paired().valueSerde().deserializer());
      List<String> ids = new ArrayList<>();
      for (TestRecord<String, PairedSample> r : paired.readRecordsToList()) {
        ids.add(r.value().getSampleId());
        assertEquals(
            0, r.headers().toArray().length, "no input header on " + r.value().getSampleId());
      }
      assertTrue(
          ids.contains("cam1#0"), "the evolved frame with its schema header is paired: " + ids);
      assertTrue(!ids.contains("cam2#0"), "the evolved frame without the header is not: " + ids);

      TestOutputTopic<byte[], DeadLetter> dlq =
          driver.createOutputTopic(
              TOPICS.deadLetters(TOPICS.video()).name(),
              new ByteArrayDeserializer(),
              TOPICS.deadLetters(TOPICS.video()).valueSerde().deserializer());
      List<DeadLetter> dead = dlq.readValuesToList();
      assertEquals(1, dead.size(), "the frame without its schema is a dead letter");
      assertEquals("pairing.decode", dead.get(0).getStage());
      assertTrue(
          dead.get(0).getErrorMessage().contains("unknown writer schema fingerprint"),
          dead.get(0).getErrorMessage());
      assertTrue(
          dead.get(0).getErrorMessage().contains("avro.schema"), dead.get(0).getErrorMessage());
    }
  }
}
