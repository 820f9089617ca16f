package io.streamalign.ingest.source.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The files source publishing through a real {@link AvProducer} into the embedded KRaft broker. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FilesSourceIT {
  @TempDir Path root;

  @Test
  void classFoldersArriveOnTheRawTopicsWithSharedSeqs(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    TestDirs.mixed(root);
    FilesProgress p;
    // a chosen event-time start, a minute back (the input topics refuse Kafka timestamps more
    // than 6 days old, and the producer stamps the event time)
    long start = System.currentTimeMillis() - 60_000;
    try (AvProducer producer = new AvProducer(broker.clientProperties(), topics)) {
      p =
          new FilesSource(
                  producer,
                  root,
                  FilesOptions.defaults("cam-files").withRate(0).withStartTimeMs(start))
              .run();
    }
    assertEquals(5, p.samples());
    assertEquals(4, p.unreadable());
    assertEquals(0, p.failures());

    List<LabelEvent> labels = readAll(broker, topics.labels(), 5);
    List<VideoFrame> frames = readAll(broker, topics.video(), 3);
    List<AudioChunk> chunks = readAll(broker, topics.audio(), 2);
    List<TextSegment> texts = readAll(broker, topics.text(), 2);
    assertEquals(
        List.of("cat", "dog", "cat", "dog", "dog"),
        labels.stream().map(LabelEvent::getClassName).toList());
    assertEquals(List.of(0L, 2L, 4L), frames.stream().map(VideoFrame::getSeq).toList());
    assertEquals(List.of(0L, 1L), chunks.stream().map(AudioChunk::getSeq).toList());
    assertEquals(frames.get(0).getEventTimeMs(), chunks.get(0).getEventTimeMs());
    assertEquals(start, frames.get(0).getEventTimeMs());
    assertEquals("a cat meows", texts.get(0).getText());
    // the PNG sent as-is is decodable by the pairing topology's featurizer
    VideoFrame f = frames.get(0);
    byte[] data = new byte[f.getData().remaining()];
    f.getData().duplicate().get(data);
    float[] x =
        new VideoFeaturizer(VideoFeatureConfig.defaults())
            .featurize(f.getWidth(), f.getHeight(), f.getChannels(), f.getEncoding().name(), data);
    assertEquals(28 * 28, x.length);
  }

  private static <V> List<V> readAll(
      EmbeddedKafkaBroker broker, Topic<String, V> topic, int expected) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "files-it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<V> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic.name()));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          out.add(topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
        }
      }
      // a little longer, to see that nothing extra arrives
      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
        out.add(topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
      }
    }
    assertTrue(
        out.size() == expected,
        topic.name() + ": expected " + expected + " records, got " + out.size());
    return out;
  }
}
