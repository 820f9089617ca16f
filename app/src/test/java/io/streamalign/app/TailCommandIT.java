package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs {@code streamalign tail} in-process against a real embedded broker. */
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@ExtendWith(EmbeddedKafkaExtension.class)
class TailCommandIT {

  private static final long T0 = 1_763_900_000_000L;

  private static <K, V> void produce(EmbeddedKafkaBroker broker, Topic<K, V> topic, K key, V value)
      throws Exception {
    try (KafkaProducer<K, V> producer =
        new KafkaProducer<>(
            broker.clientProperties(),
            topic.keySerde().serializer(),
            topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static StreamAlignCliTest.Run tail(
      EmbeddedKafkaBroker broker, Topics topics, String... extra) {
    String[] args = new String[7 + extra.length];
    args[0] = "tail";
    System.arraycopy(extra, 0, args, 1, extra.length);
    int i = 1 + extra.length;
    args[i++] = "--bootstrap-servers";
    args[i++] = broker.bootstrapServers();
    args[i++] = "--topic-prefix";
    args[i++] = topics.prefix();
    args[i++] = "--timeout";
    args[i] = "60s";
    return StreamAlignCliTest.run(args);
  }

  @Test
  void printsAPredictionAsAReadableLine(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    Prediction p =
        Prediction.newBuilder()
            .setSampleId("cam-7@" + T0)
            .setStreamId("cam-7")
            .setLabel("seven")
            .setScore(0.8765)
            .setTopK(List.of(new ClassScore("seven", 0.8765), new ClassScore("one", 0.1)))
            .setModalitiesUsed(List.of(Modality.VIDEO, Modality.AUDIO))
            .setModelName("xmodal")
            .setModelVersion(42)
            .setEventTimeMs(T0)
            .setPublishTimeMs(T0 + 17)
            .setLatencyMs(17)
            .setTrueLabel("seven")
            .build();
    produce(broker, topics.predictions(), "cam-7", p);

    StreamAlignCliTest.Run r =
        tail(broker, topics, topics.predictions().name(), "--max", "1", "--from-beginning");

    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\\R");
    assertEquals(1, lines.length, r.out());
    String line = lines[0];
    assertTrue(line.startsWith("2025-11-23T12:13:20Z"), line);
    assertTrue(line.contains("stream=cam-7"), line);
    assertTrue(line.contains("label=seven"), line);
    assertTrue(line.contains("score=0.877"), line);
    assertTrue(line.contains("model=xmodal v42"), line);
    assertTrue(line.contains("latency=17ms"), line);
    assertTrue(line.contains("modalities=VIDEO+AUDIO"), line);
    assertTrue(line.contains("true=seven ok"), line);
  }

  @Test
  void printsAVideoFrameAsJsonAndReportsUndecodableRecords(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    Topic<String, VideoFrame> video = topics.video();
    // A record that is not Avro single-object encoding: tail must report it and go on.
    try (KafkaProducer<byte[], byte[]> raw =
        new KafkaProducer<>(
            broker.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(video.name(), 0, "cam-9".getBytes(), "not avro".getBytes()))
          .get(30, TimeUnit.SECONDS);
    }
    byte[] pixels = new byte[28 * 28];
    pixels[0] = 1;
    VideoFrame frame =
        VideoFrame.newBuilder()
            .setStreamId("cam-9")
            .setSeq(5)
            .setEventTimeMs(T0)
            .setWidth(28)
            .setHeight(28)
            .setChannels(1)
            .setEncoding(FrameEncoding.RAW8)
            .setData(ByteBuffer.wrap(pixels))
            .build();
    try (KafkaProducer<String, VideoFrame> producer =
        new KafkaProducer<>(
            broker.clientProperties(),
            video.keySerde().serializer(),
            video.valueSerde().serializer())) {
      producer
          .send(new ProducerRecord<>(video.name(), 0, "cam-9", frame))
          .get(30, TimeUnit.SECONDS);
    }

    // the short name (without the prefix) works too
    StreamAlignCliTest.Run r = tail(broker, topics, "video", "--max", "1", "--from-beginning");

    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("offset 0: cannot decode"), r.err());
    String[] lines = r.out().strip().split("\\R");
    assertEquals(1, lines.length, r.out());
    JsonNode json = new ObjectMapper().readTree(lines[0]);
    assertEquals(1, json.get("offset").asLong());
    assertEquals("cam-9", json.get("key").asText());
    JsonNode value = json.get("value");
    assertEquals("cam-9", value.get("streamId").asText());
    assertEquals(5, value.get("seq").asLong());
    assertEquals(T0, value.get("eventTimeMs").asLong());
    assertEquals(28, value.get("width").asInt());
    assertEquals(28, value.get("height").asInt());
    assertEquals(1, value.get("channels").asInt());
    assertEquals("RAW8", value.get("encoding").asText());
    assertEquals("<784 bytes>", value.get("data").asText());
  }

  @Test
  void fewerRecordsThanMaxBeforeTheTimeoutExitsWithOne(EmbeddedKafkaBroker broker, Topics topics) {
    StreamAlignCliTest.Run r =
        StreamAlignCliTest.run(
            "tail",
            topics.metrics().name(),
            "--from-beginning",
            "--max",
            "1",
            "--timeout",
            "2s",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix());
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("stopped after 0 of 1"), r.err());
  }
}
