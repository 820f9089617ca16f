package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.DeadLetters;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import io.streamalign.testkit.TopicPartitions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and odd input against {@link PairingApp} on a real embedded broker (issue cases, each
 * replayed): a 10 MiB record, a producer restarted with its seqs starting over, and input that
 * simply stops. Each ends with a reason (a dead letter) or a sample, and pairing never wedges.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TopicPartitions(2)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HostileInputIT {

  @TempDir Path stateDir;

  @Test
  void oversizedRecordRestartedProducerAndPausedInputEachEndWithAReasonOrASample(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    Properties streamsProps = broker.clientProperties();
    streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    PairingConfig cfg =
        PairingConfig.defaults()
            .withApplicationId("hostile-it-" + topics.prefix().replace('.', '-'));
    Random rnd = new Random(3);
    try (PairingApp app = new PairingApp(cfg, streamsProps, topics)) {
      app.start();
      assertTrue(
          app.awaitRunning(Duration.ofSeconds(60)), "pairing app reaches RUNNING: " + app.state());
      long t0 = System.currentTimeMillis();

      // 1. a 10 MiB frame, compressible so that the broker takes it within the topic's 8 MiB batch
      // limit
      // (before bounded dead letters, its dead letter failed the transaction and wedged pairing)
      VideoFrame huge =
          VideoFrame.newBuilder()
              .setStreamId("cam-big")
              .setSeq(0)
              .setEventTimeMs(t0)
              .setWidth(4096)
              .setHeight(2560)
              .setChannels(1)
              .setEncoding(FrameEncoding.RAW8)
              .setData(ByteBuffer.wrap(new byte[4096 * 2560]))
              .build();
      Properties raw = broker.clientProperties();
      raw.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(64 * 1024 * 1024));
      raw.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
      raw.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      try (KafkaProducer<String, byte[]> p =
          new KafkaProducer<>(raw, new StringSerializer(), new ByteArraySerializer())) {
        p.send(
                new ProducerRecord<>(
                    topics.video().name(),
                    null,
                    t0,
                    "cam-big",
                    topics
                        .video()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.video().name(), huge)))
            .get(60, TimeUnit.SECONDS);
      }

      // 2. a producer sends moments 0..9, "crashes", and its restart sends 0..9 again 2 s later
      String[] sessions = new String[2];
      for (int run = 0; run < 2; run++) {
        try (AvProducer producer = new AvProducer(broker.clientProperties(), topics)) {
          sessions[run] = producer.session();
          for (int i = 0; i < 10; i++) {
            long t = t0 + run * 2_000L + 100L * i;
            moment(producer, "cam-r", i, t, rnd, i % 2 == 0);
          }
          // 3. ... and a second stream that then simply stops (the run is the last input of the
          // test)
          if (run == 1) {
            producer.sendLabel("cam-p", "seven", null, t0, t0 + 60_000, t0);
            for (int i = 0; i < 20; i++)
              moment(producer, "cam-p", i, t0 + 2_000 + 100L * i, rnd, i % 3 == 0);
          }
          producer.flush();
        }
      }
      long stoppedAt = System.currentTimeMillis();

      // every moment comes out within 15 s of wall-clock time after the input stopped, with no more
      // input
      List<PairedSample> samples =
          PairingIT.readUntil(
              broker,
              topics.paired(),
              s -> !s.getStreamId().equals("replay"),
              40,
              Duration.ofSeconds(60));
      Set<String> ids =
          samples.stream()
              .map(PairedSample::getSampleId)
              .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(
          samples.size(), ids.size(), "no duplicates: " + samples.size() + " vs " + ids.size());
      Set<String> expected = new TreeSet<>();
      for (int run = 0; run < 2; run++) {
        for (int i = 0; i < 10; i++) expected.add("cam-r#" + i + "/" + sessions[run]);
      }
      for (int i = 0; i < 20; i++) expected.add("cam-p#" + i + "/" + sessions[1]);
      assertEquals(
          expected,
          ids,
          "both runs of the restarted producer and every moment of the paused stream");
      long labeled =
          samples.stream()
              .filter(s -> s.getStreamId().equals("cam-p") && "seven".equals(s.getLabel()))
              .count();
      assertEquals(20, labeled, "the paused stream's moments are labeled");
      System.out.printf(
          "HostileInputIT: %d samples, all within %d ms of the input stopping%n",
          samples.size(), System.currentTimeMillis() - stoppedAt);

      Topic<byte[], DeadLetter> dlq = topics.deadLetters(topics.video());
      List<DeadLetter> dead =
          PairingIT.readUntil(broker, dlq, d -> true, 1, Duration.ofSeconds(30));
      assertEquals(1, dead.size(), "one dead letter: " + dead);
      DeadLetter d = dead.get(0);
      assertTrue(d.getErrorMessage().contains("oversized value"), d.getErrorMessage());
      assertTrue(
          d.getOriginalValueSize() > 10L * 1024 * 1024,
          "original size " + d.getOriginalValueSize());
      assertTrue(d.getValueTruncated());
      // cut as it was read by pairing's consumer, so a backlog of such values cannot fill the heap
      assertTrue(d.getErrorMessage().contains("as it was read"), d.getErrorMessage());
      assertEquals(BoundedValueDeserializer.KEPT_BYTES, DeadLetters.valueBytes(d).length);
      assertEquals(KafkaStreams.State.RUNNING, app.state(), "pairing is not wedged");
    }
  }

  @Test
  void aFastReplayWrittenBeforePairingStartsPairsEveryMomentIncludingTheFirst(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    // a recorded stream replayed as fast as possible: 200 moments 100 ms apart (20 s of event
    // time),
    // every frame first, then every chunk, all on the topics before pairing starts; whichever topic
    // pairing happens to fetch first, the first moments must not be lost as late
    Random rnd = new Random(4);
    long t0 = System.currentTimeMillis() - 60_000;
    try (AvProducer producer = new AvProducer(broker.clientProperties(), topics)) {
      for (int i = 0; i < 200; i++) {
        byte[] px = new byte[28 * 28];
        rnd.nextBytes(px);
        producer.sendFrame("replay", i, 28, 28, 1, FrameEncoding.RAW8, px, t0 + 100L * i);
      }
      producer.flush();
      for (int i = 0; i < 200; i++) {
        short[] s = new short[2000];
        for (int k = 0; k < s.length; k++)
          s[k] = (short) (5000 * Math.sin(2 * Math.PI * (250 + i) * k / 8000.0));
        producer.sendAudio("replay", i, 8000, s, t0 + 100L * i + 5);
      }
      producer.flush();
    }
    Properties streamsProps = broker.clientProperties();
    streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("replay").toString());
    streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
    PairingConfig cfg =
        PairingConfig.defaults()
            .withApplicationId("replay-it-" + topics.prefix().replace('.', '-'));
    try (PairingApp app = new PairingApp(cfg, streamsProps, topics)) {
      app.start();
      assertTrue(
          app.awaitRunning(Duration.ofSeconds(60)), "pairing app reaches RUNNING: " + app.state());
      List<PairedSample> samples =
          PairingIT.readUntil(broker, topics.paired(), s -> true, 200, Duration.ofSeconds(120));
      Set<Long> seqs = new TreeSet<>();
      for (PairedSample s : samples)
        seqs.add(Long.parseLong(s.getSampleId().replaceAll("^replay#(\\d+)/.*$", "$1")));
      List<DeadLetter> dead = new java.util.ArrayList<>();
      for (Topic<?, ?> t : List.of(topics.video(), topics.audio())) {
        dead.addAll(
            PairingIT.readUntil(
                broker, topics.deadLetters(t), d -> true, 0, Duration.ofSeconds(10)));
      }
      assertEquals(
          List.of(), dead.stream().map(DeadLetter::getErrorMessage).toList(), "nothing late");
      assertEquals(
          200,
          seqs.size(),
          "every moment, the first ones too: missing "
              + java.util.stream.LongStream.range(0, 200)
                  .filter(i -> !seqs.contains(i))
                  .boxed()
                  .toList());
      assertEquals(0L, seqs.iterator().next());
    }
  }

  static void moment(AvProducer p, String stream, long seq, long t, Random rnd, boolean caption) {
    byte[] px = new byte[28 * 28];
    rnd.nextBytes(px);
    p.sendFrame(stream, seq, 28, 28, 1, FrameEncoding.RAW8, px, t);
    short[] s = new short[2000];
    for (int i = 0; i < s.length; i++)
      s[i] = (short) (6000 * Math.sin(2 * Math.PI * (200 + 30 * seq) * i / 8000.0));
    p.sendAudio(stream, seq, 8000, s, t + 5);
    if (caption) p.sendText(stream, seq, "moment " + seq, t + 3);
  }
}
