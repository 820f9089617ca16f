package io.streamalign.ingest.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link AvProducer#sendMoment} on a real broker: each part of the moment declares its parts. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AvProducerMomentIT {

  @Test
  void frameAndChunkOfAMomentWithoutCaptionDeclareVideoAndAudioAndTheLabelNothing(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    long t = System.currentTimeMillis();
    try (AvProducer p = new AvProducer(broker.clientProperties(), topics)) {
      List<CompletableFuture<?>> sent =
          p.sendMoment(
              LabelEvent.newBuilder()
                  .setStreamId("cam1")
                  .setClassName("circle")
                  .setModality(null)
                  .setStartTimeMs(t)
                  .setEndTimeMs(t + 100)
                  .setEventTimeMs(t)
                  .build(),
              null,
              VideoFrame.newBuilder()
                  .setStreamId("cam1")
                  .setSeq(0)
                  .setEventTimeMs(t)
                  .setWidth(2)
                  .setHeight(2)
                  .setChannels(1)
                  .setEncoding(FrameEncoding.RAW8)
                  .setData(ByteBuffer.wrap(new byte[4]))
                  .build(),
              AudioChunk.newBuilder()
                  .setStreamId("cam1")
                  .setSeq(0)
                  .setEventTimeMs(t)
                  .setSampleRate(16_000)
                  .setChannels(1)
                  .setData(ByteBuffer.wrap(new byte[3200]))
                  .build());
      assertEquals(3, sent.size());
      for (CompletableFuture<?> f : sent) f.get(30, TimeUnit.SECONDS);
    }
    Map<String, String> parts = new HashMap<>();
    Properties c = broker.clientProperties();
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "parts-it");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(
          List.of(topics.video().name(), topics.audio().name(), topics.labels().name()));
      long deadline = System.currentTimeMillis() + 60_000;
      while (parts.size() < 3 && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Header h = r.headers().lastHeader(AvProducer.PARTS_HEADER);
          parts.put(r.topic(), h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(3, parts.size(), parts.toString());
    assertEquals("video,audio", parts.get(topics.video().name()));
    assertEquals("video,audio", parts.get(topics.audio().name()));
    assertNull(parts.get(topics.labels().name()), "a label declares nothing");
  }
}
