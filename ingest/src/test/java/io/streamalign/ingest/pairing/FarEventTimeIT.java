package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.producer.AvProducer;
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
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records whose event time (or Kafka timestamp) is a year away from their stream's, on every input
 * topic, at the start of a task, mid-stream and after a restart of pairing: each ends as a dead
 * letter naming its source record (docs/producing.md, "Timestamps"), and the dead letter stays.
 *
 * <p>The broker here checks retention every second (Kafka's default is every 5 minutes): a dead
 * letter stamped with the refused record's own time (a year back) was deleted by the broker's time
 * retention as soon as nothing newer shared its log segment, so its record looked dropped without a
 * reason (the chaos fuzzer's "event time one year back" kind, 1 of 18 records in one run). A record
 * whose Kafka timestamp itself is that old would be deleted the same way before pairing read it:
 * the input topics refuse it at produce time ({@code message.timestamp.before.max.ms}, 6 days).
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FarEventTimeIT {
  private static final long YEAR_MS = 365L * 24 * 3600 * 1000;

  @TempDir Path stateDir;

  /** One refused record: where it is, and the stage its dead letter must name. */
  private record Expected(String what, String topic, int partition, long offset, String stage) {}

  @Test
  void everyRecordAYearAwayIsADeadLetterThatStays() throws Exception {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder()
            .optBrokerConfig("log.retention.check.interval.ms", "1000")
            .start()) {
      Topics topics = Topics.withPrefix("far.");
      broker.createTopics(topics, 1);
      Properties streamsProps = broker.clientProperties();
      streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
      PairingConfig cfg = PairingConfig.defaults().withApplicationId("far-event-time-it");
      Random rnd = new Random(5);
      List<Expected> expected = new ArrayList<>();
      List<Expected> future = new ArrayList<>();
      long t0 = System.currentTimeMillis();
      long past = t0 - YEAR_MS;
      int goodMoments = 0;
      try (AvProducer producer = new AvProducer(broker.clientProperties(), topics)) {
        // at the start of the task: a stream whose first (and only) record is a year old, sent
        // before anything else, so the task has no stream time yet and holds it
        expected.add(
            sent(
                "first record of a task, a year back",
                frame(producer, topics, "cam-first", 0, past, t0),
                "pairing.unpaired"));
        producer.flush();
        try (PairingApp app = new PairingApp(cfg, streamsProps, topics)) {
          app.start();
          assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "RUNNING: " + app.state());
          producer.sendLabel("cam-a", "seven", null, t0, t0 + 600_000, t0);
          for (int i = 0; i < 10; i++, goodMoments++) {
            HostileInputIT.moment(producer, "cam-a", i, t0 + 100L * i, rnd, true);
          }
          producer.flush();
          Thread.sleep(3_000);
          // mid-stream, every input topic, Kafka timestamp now, event time a year back
          expected.add(
              sent("video a year back", frame(producer, topics, "cam-a", 100, past, t0), null));
          expected.add(
              sent("audio a year back", audio(producer, topics, "cam-a", 101, past, t0), null));
          expected.add(
              sent("text a year back", text(producer, topics, "cam-a", 102, past, t0), null));
          expected.add(sent("label a year back", label(producer, topics, "cam-a", past, t0), null));
          // a record whose Kafka timestamp is a year back too (a replayed old record), readable
          // or not: the broker would delete it at its next retention check, unread, so the input
          // topics refuse it at produce time (message.timestamp.before.max.ms): the producer gets
          // a clear error, and goes on sending
          refused(
              "video and Kafka timestamp a year back",
              frame(producer, topics, "cam-a", 103, past, past));
          refused(
              "garbage with a Kafka timestamp a year back",
              producer.sendRaw(
                  topics.audio().name(),
                  "cam-a",
                  "not avro".getBytes(StandardCharsets.UTF_8),
                  past));
          expected.add(
              sent(
                  "garbage with a Kafka timestamp five days back",
                  producer.sendRaw(
                      topics.audio().name(),
                      "cam-a",
                      "not avro".getBytes(StandardCharsets.UTF_8),
                      t0 - 5L * 24 * 3600 * 1000),
                  "pairing.decode"));
          for (int i = 10; i < 20; i++, goodMoments++) {
            HostileInputIT.moment(producer, "cam-a", i, t0 + 100L * i, rnd, true);
          }
          producer.flush();
          Thread.sleep(12_000); // the lone first frame is released by the wall clock (7 s idle)
        }
        // after a restart of pairing (same application id and state): a year back again
        try (PairingApp app = new PairingApp(cfg, streamsProps, topics)) {
          app.start();
          assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "RUNNING: " + app.state());
          long now = System.currentTimeMillis();
          expected.add(
              sent(
                  "audio a year back after a restart",
                  audio(producer, topics, "cam-a", 107, past, now),
                  null));
          expected.add(
              sent(
                  "text a year back after a restart",
                  text(producer, topics, "cam-a", 108, past, now),
                  null));
          for (int i = 20; i < 30; i++, goodMoments++) {
            HostileInputIT.moment(producer, "cam-a", i, t0 + 100L * i, rnd, true);
          }
          producer.flush();
          List<PairedSample> samples =
              PairingIT.readUntil(
                  broker, topics.paired(), s -> true, goodMoments, Duration.ofSeconds(60));
          // a year-old record is never a sample (the lone first frame is a dead letter)
          assertEquals(goodMoments, samples.size(), "samples: " + samples);
          Thread.sleep(5_000); // the broker's retention check runs every second
          // every letter so far is a year back: before the letters were stamped with the wall
          // clock, nothing newer shared their log segments and the broker deleted them
          checkLetters(broker, topics, expected, t0);
          // far in the future, on each topic
          long ahead = now + YEAR_MS;
          future.add(
              sent("video a year ahead", frame(producer, topics, "cam-a", 104, ahead, now), null));
          future.add(
              sent("audio a year ahead", audio(producer, topics, "cam-a", 105, ahead, now), null));
          future.add(
              sent("text a year ahead", text(producer, topics, "cam-a", 106, ahead, now), null));
          future.add(
              sent("label a year ahead", label(producer, topics, "cam-a", ahead, now), null));
          producer.flush();
          checkLetters(broker, topics, future, t0);
        }
      }
    }
  }

  /**
   * Each expected record has one dead letter naming it (headers), stamped with the time it was
   * written (not the record's own time), so the dead-letter retention counts from then.
   */
  private static void checkLetters(
      EmbeddedKafkaBroker broker, Topics topics, List<Expected> expected, long t0) {
    Map<String, ConsumerRecord<byte[], byte[]>> letters = deadLetters(broker, topics);
    List<String> missing = new ArrayList<>();
    for (Expected e : expected) {
      ConsumerRecord<byte[], byte[]> r =
          letters.get(e.topic() + "/" + e.partition() + "/" + e.offset());
      if (r == null) {
        missing.add(e.what() + " (" + e.topic() + "/" + e.partition() + "/" + e.offset() + ")");
        continue;
      }
      Map<String, String> byKey = new HashMap<>();
      for (Header x : r.headers())
        byKey.put(x.key(), new String(x.value(), StandardCharsets.UTF_8));
      assertEquals(e.topic(), byKey.get(DeadLetterHeaders.TOPIC), e.what());
      assertEquals(
          Integer.toString(e.partition()), byKey.get(DeadLetterHeaders.PARTITION), e.what());
      assertEquals(Long.toString(e.offset()), byKey.get(DeadLetterHeaders.OFFSET), e.what());
      if (e.stage() != null) {
        assertEquals(e.stage(), byKey.get(DeadLetterHeaders.STAGE), e.what());
      }
      assertTrue(
          !byKey.getOrDefault(DeadLetterHeaders.REASON, "").isBlank(), e.what() + ": a reason");
      assertTrue(
          r.timestamp() >= t0 && r.timestamp() <= System.currentTimeMillis(),
          e.what() + ": its dead letter is stamped " + r.timestamp() + ", not when it was written");
    }
    assertTrue(missing.isEmpty(), "records without a dead letter: " + missing);
  }

  private static void refused(
      String what, java.util.concurrent.CompletableFuture<RecordMetadata> f) {
    java.util.concurrent.ExecutionException e =
        assertThrows(
            java.util.concurrent.ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS), what);
    assertTrue(
        e.getCause() instanceof org.apache.kafka.common.errors.InvalidTimestampException,
        what + ": " + e.getCause());
  }

  private static Expected sent(
      String what, java.util.concurrent.CompletableFuture<RecordMetadata> f, String stage)
      throws Exception {
    RecordMetadata md = f.get(30, TimeUnit.SECONDS);
    return new Expected(what, md.topic(), md.partition(), md.offset(), stage);
  }

  private static java.util.concurrent.CompletableFuture<RecordMetadata> frame(
      AvProducer p, Topics topics, String stream, long seq, long eventTime, long kafkaTime) {
    VideoFrame f =
        VideoFrame.newBuilder()
            .setStreamId(stream)
            .setSeq(seq)
            .setEventTimeMs(eventTime)
            .setWidth(28)
            .setHeight(28)
            .setChannels(1)
            .setEncoding(FrameEncoding.RAW8)
            .setData(ByteBuffer.wrap(new byte[28 * 28]))
            .build();
    return p.sendRaw(topics.video().name(), stream, encode(topics.video(), f), kafkaTime);
  }

  private static java.util.concurrent.CompletableFuture<RecordMetadata> audio(
      AvProducer p, Topics topics, String stream, long seq, long eventTime, long kafkaTime) {
    ByteBuffer pcm = ByteBuffer.allocate(4000).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 2000; i++) pcm.putShort((short) (3000 * Math.sin(i / 5.0)));
    pcm.flip();
    AudioChunk a =
        AudioChunk.newBuilder()
            .setStreamId(stream)
            .setSeq(seq)
            .setEventTimeMs(eventTime)
            .setSampleRate(8000)
            .setChannels(1)
            .setData(pcm)
            .build();
    return p.sendRaw(topics.audio().name(), stream, encode(topics.audio(), a), kafkaTime);
  }

  private static java.util.concurrent.CompletableFuture<RecordMetadata> text(
      AvProducer p, Topics topics, String stream, long seq, long eventTime, long kafkaTime) {
    TextSegment t =
        TextSegment.newBuilder()
            .setStreamId(stream)
            .setSeq(seq)
            .setEventTimeMs(eventTime)
            .setText("a caption")
            .build();
    return p.sendRaw(topics.text().name(), stream, encode(topics.text(), t), kafkaTime);
  }

  private static java.util.concurrent.CompletableFuture<RecordMetadata> label(
      AvProducer p, Topics topics, String stream, long start, long kafkaTime) {
    LabelEvent l =
        LabelEvent.newBuilder()
            .setStreamId(stream)
            .setClassName("three")
            .setModality(null)
            .setStartTimeMs(start)
            .setEndTimeMs(start + 1_000)
            .setEventTimeMs(start)
            .build();
    return p.sendRaw(topics.labels().name(), stream, encode(topics.labels(), l), kafkaTime);
  }

  private static <V> byte[] encode(Topic<String, V> topic, V value) {
    return topic.valueSerde().serializer().serialize(topic.name(), value);
  }

  /** Every dead letter of the input topics, by its source record. */
  private static Map<String, ConsumerRecord<byte[], byte[]>> deadLetters(
      EmbeddedKafkaBroker broker, Topics topics) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "far-dlq-" + System.nanoTime());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Topic<byte[], DeadLetter> any = topics.deadLetters(topics.video());
    Map<String, ConsumerRecord<byte[], byte[]>> out = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(
          List.of(
              topics.video().dlq(),
              topics.audio().dlq(),
              topics.text().dlq(),
              topics.labels().dlq()));
      long quietUntil = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < quietUntil) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          DeadLetter d = any.valueSerde().deserializer().deserialize(r.topic(), r.value());
          out.put(d.getOriginalTopic() + "/" + d.getPartition() + "/" + d.getOffset(), r);
          quietUntil = System.currentTimeMillis() + 3_000;
        }
      }
    }
    return out;
  }
}
