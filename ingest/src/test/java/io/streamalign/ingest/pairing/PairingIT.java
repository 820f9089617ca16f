package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.SourceProgress;
import io.streamalign.ingest.source.SyntheticOptions;
import io.streamalign.ingest.source.SyntheticSource;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real embedded KRaft broker: the synthetic camera+microphone source publishes
 * through {@link AvProducer}, {@link PairingApp} pairs with exactly-once, and the test reads
 * committed {@link PairedSample}s back; a garbage record lands in {@code .video.dlq} while pairing
 * continues.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TopicPartitions(2)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PairingIT {

  @TempDir Path stateDir;

  /** Publishes through the producer and remembers the true class of every moment. */
  static final class TeeSink implements AvSink {
    final AvProducer producer;
    final Map<String, String> classOf = new ConcurrentHashMap<>();

    TeeSink(AvProducer producer) {
      this.producer = producer;
    }

    @Override
    public CompletableFuture<?> sendFrame(VideoFrame f) {
      return producer.sendFrame(f);
    }

    @Override
    public CompletableFuture<?> sendAudio(AudioChunk c) {
      return producer.sendAudio(c);
    }

    @Override
    public CompletableFuture<?> sendText(TextSegment t) {
      return producer.sendText(t);
    }

    @Override
    public CompletableFuture<?> sendLabel(LabelEvent l) {
      classOf.put(l.getStreamId() + "@" + l.getStartTimeMs(), l.getClassName());
      return producer.sendLabel(l);
    }

    @Override
    public void flush() {
      producer.flush();
    }
  }

  @Test
  void syntheticStreamsArePairedFeaturizedAndLabeledWhileGarbageGoesToTheDeadLetterTopic(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    Properties streamsProps = broker.clientProperties();
    streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    PairingConfig cfg =
        PairingConfig.defaults()
            .withApplicationId("pairing-it-" + topics.prefix().replace('.', '-'));
    byte[] garbage = "this is not an avro frame".getBytes(StandardCharsets.UTF_8);
    long garbageAt;

    try (PairingApp app = new PairingApp(cfg, streamsProps, topics);
        AvProducer producer = new AvProducer(broker.clientProperties(), topics)) {
      app.start();
      assertTrue(
          app.awaitRunning(Duration.ofSeconds(60)), "pairing app reaches RUNNING: " + app.state());

      TeeSink sink = new TeeSink(producer);
      SourceOptions opts =
          SourceOptions.defaults("cam")
              .withStreams(2)
              .withRate(10)
              .withMaxMomentsPerStream(80)
              .withSeed(5);
      try (SyntheticSource source =
          new SyntheticSource(
              sink,
              opts,
              SyntheticOptions.defaults().withNewClassEvery(20).withCaptionProbability(0.5))) {
        source.start();
        Thread.sleep(2_000);
        // a garbage record in the middle of the live stream
        garbageAt = System.currentTimeMillis();
        producer
            .sendRaw(topics.video().name(), "cam-0", garbage, System.currentTimeMillis())
            .get(30, TimeUnit.SECONDS);
        SourceProgress p = source.await(Duration.ofSeconds(60));
        assertNotNull(p, "source finished");
        assertEquals(160, p.moments());
        assertEquals(0, p.failures());
      }

      // 80 moments per stream over 8 s of event time; the last ~4 s wait for windows and label
      // grace
      List<PairedSample> samples =
          readUntil(broker, topics.paired(), s -> true, 100, Duration.ofSeconds(90));
      assertTrue(samples.size() >= 100, "paired samples: " + samples.size());
      Set<String> ids = new HashSet<>();
      int labeled = 0;
      int withText = 0;
      for (PairedSample s : samples) {
        assertTrue(ids.add(s.getSampleId()), "duplicate sample " + s.getSampleId());
        assertEquals(List.of(40, 64), s.getAudio().getShape());
        assertEquals(List.of(1, 28, 28), s.getVideo().getShape());
        for (float x : FeatureTensors.toFloats(s.getAudio())) assertTrue(Float.isFinite(x));
        for (float x : FeatureTensors.toFloats(s.getVideo())) assertTrue(Float.isFinite(x));
        if (s.getText() != null) {
          withText++;
          assertNotNull(s.getCaption());
        }
        if (s.getLabel() != null) {
          labeled++;
          assertEquals(
              sink.classOf.get(s.getStreamId() + "@" + s.getEventTimeMs()),
              s.getLabel(),
              "label of " + s.getSampleId());
        }
      }
      assertTrue(
          labeled >= samples.size() * 9 / 10,
          "every video moment is labeled: " + labeled + "/" + samples.size());
      assertTrue(
          withText > samples.size() * 3 / 10 && withText < samples.size() * 85 / 100,
          "about half have their moment's caption: " + withText + "/" + samples.size());
      assertTrue(samples.stream().map(PairedSample::getStreamId).distinct().count() == 2);

      Topic<byte[], DeadLetter> dlq = topics.deadLetters(topics.video());
      List<DeadLetter> dead = readUntil(broker, dlq, d -> true, 1, Duration.ofSeconds(30));
      assertEquals(
          1,
          dead.size(),
          "one dead letter: " + dead.stream().map(DeadLetter::getErrorMessage).toList());
      DeadLetter d = dead.get(0);
      assertEquals(topics.video().name(), d.getOriginalTopic());
      assertEquals("pairing.decode", d.getStage());
      assertTrue(Arrays.equals(garbage, DeadLetters.valueBytes(d)));
      assertTrue(d.getOffset() >= 0);
      assertEquals(KafkaStreams.State.RUNNING, app.state(), "pairing survives bad input");
      long sentAt = garbageAt;
      long after = samples.stream().filter(s -> s.getEventTimeMs() > sentAt).count();
      assertTrue(after > 0, "pairing continued after the garbage record");
      System.out.printf(
          "PairingIT: %d samples (%d labeled, %d with text, %d after the garbage record)%n",
          samples.size(), labeled, withText, after);
    }
  }

  static <V> List<V> readUntil(
      EmbeddedKafkaBroker broker,
      Topic<?, V> topic,
      Predicate<V> keep,
      int atLeast,
      Duration timeout) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<V> out = new ArrayList<>();
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic.name()));
      long quietUntil = Long.MAX_VALUE;
      int lastSize = -1;
      while (System.currentTimeMillis() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          V v = topic.valueSerde().deserializer().deserialize(topic.name(), r.value());
          if (keep.test(v)) out.add(v);
        }
        if (out.size() >= atLeast && out.size() != lastSize) {
          quietUntil =
              System.currentTimeMillis() + 5_000; // read on until nothing new comes for 5 s
        }
        lastSize = out.size();
      }
    }
    return out;
  }
}
