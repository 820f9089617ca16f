package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.schemas.TopicAdmin;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pairing does not depend on the producer's partitioner: moments produced with librdkafka's default
 * partitioner (CRC32 of the key, not the Java client's murmur2) or with random partitioning, on
 * multi-partition topics (in the random case labels on 2 partitions, audio on 1, frames and
 * captions on 3), are all paired, and every label is joined to its sample (README.md, "Producing
 * events"; docs/producing.md).
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AnyPartitionerIT {

  static final int PARTITIONS = 3;
  static final int STREAMS = 6;
  static final int MOMENTS = 30;
  static final long MOMENT_MS = 100;

  /**
   * librdkafka's default partitioner ({@code consistent_random}): CRC32 of the key modulo the
   * partition count.
   */
  public static final class Crc32Partitioner implements Partitioner {
    @Override
    public int partition(
        String topic,
        Object key,
        byte[] keyBytes,
        Object value,
        byte[] valueBytes,
        Cluster cluster) {
      int n = cluster.partitionCountForTopic(topic);
      return keyBytes == null
          ? ThreadLocalRandom.current().nextInt(n)
          : crc32Partition(keyBytes, n);
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  /** Every record to a random partition, whatever its key. */
  public static final class RandomPartitioner implements Partitioner {
    @Override
    public int partition(
        String topic,
        Object key,
        byte[] keyBytes,
        Object value,
        byte[] valueBytes,
        Cluster cluster) {
      return ThreadLocalRandom.current().nextInt(cluster.partitionCountForTopic(topic));
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  static int crc32Partition(byte[] key, int partitions) {
    CRC32 crc = new CRC32();
    crc.update(key);
    return (int) (crc.getValue() % partitions);
  }

  static int javaPartition(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  @TempDir Path stateDir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"crc32", "random"})
  void everyMomentIsPairedAndLabeledWhateverThePartitioner(
      String partitioner, EmbeddedKafkaBroker broker) throws Exception {
    Topics topics = Topics.withPrefix("it.partitioner." + partitioner + ".");
    boolean random = partitioner.equals("random");
    if (random) {
      // labels on fewer partitions than frames and captions, chunks on fewer still: co-partitioning
      // by the producer is impossible
      try (Admin admin = broker.admin()) {
        admin
            .createTopics(
                List.of(
                    TopicAdmin.newTopic(topics.labels(), 2, (short) 1),
                    TopicAdmin.newTopic(topics.audio(), 1, (short) 1)))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
    }
    broker.createTopics(topics, PARTITIONS);

    List<String> streams = new ArrayList<>();
    for (int s = 0; s < STREAMS; s++) streams.add("cam-" + s);
    if (!random) {
      long differ =
          streams.stream()
              .filter(
                  id ->
                      crc32Partition(id.getBytes(StandardCharsets.UTF_8), PARTITIONS)
                          != javaPartition(id, PARTITIONS))
              .count();
      assertTrue(
          differ >= 2, "the test needs streams that CRC32 and murmur2 place apart: " + differ);
    }

    Properties streamsProps = broker.clientProperties();
    streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    PairingConfig cfg = PairingConfig.defaults().withApplicationId("it-partitioner-" + partitioner);
    Properties producerProps = broker.clientProperties();
    producerProps.put(
        ProducerConfig.PARTITIONER_CLASS_CONFIG,
        (random ? RandomPartitioner.class : Crc32Partitioner.class).getName());
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");

    Map<String, String> classOf = new HashMap<>();
    Set<String> captioned = new HashSet<>();
    Random rnd = new Random(7);
    try (PairingApp app = new PairingApp(cfg, streamsProps, topics);
        AvProducer producer = new AvProducer(producerProps, topics)) {
      app.start();
      assertTrue(
          app.awaitRunning(Duration.ofSeconds(90)), "pairing app reaches RUNNING: " + app.state());

      long t0 = System.currentTimeMillis();
      for (int m = 0; m < MOMENTS; m++) {
        long t = t0 + m * MOMENT_MS;
        for (String id : streams) {
          String cls = "class-" + rnd.nextInt(5);
          classOf.put(id + "#" + m, cls);
          producer.sendLabel(label(id, cls, t, t + MOMENT_MS));
          producer.sendFrame(frame(id, m, t, rnd));
          producer.sendAudio(chunk(id, m, t + 5, rnd));
          if (m % 2 == 0) {
            producer.sendText(caption(id, m, t + 3));
            captioned.add(id + "#" + m);
          }
        }
        producer.flush();
        Thread.sleep(MOMENT_MS / 4); // four times faster than real time
      }
      // Stream time advances per task: one full moment far later on every partition of the
      // repartition
      // topics (Java's murmur2 decides those) releases the last samples' windows, gate and label
      // grace.
      Thread.sleep(3_000);
      long later = t0 + MOMENTS * MOMENT_MS + 60_000;
      Set<Integer> covered = new HashSet<>();
      for (int k = 0; covered.size() < PARTITIONS; k++) {
        String tick = "tick-" + k;
        if (covered.add(javaPartition(tick, PARTITIONS))) {
          producer.sendLabel(label(tick, "tick", later, later + MOMENT_MS));
          producer.sendFrame(frame(tick, 0, later, rnd));
          producer.sendAudio(chunk(tick, 0, later, rnd));
          producer.sendText(caption(tick, 0, later));
        }
      }
      producer.flush();

      int expected = STREAMS * MOMENTS;
      List<PairedSample> samples =
          PairingIT.readUntil(
              broker,
              topics.paired(),
              s -> s.getStreamId().startsWith("cam-"),
              expected,
              Duration.ofSeconds(120));
      Set<String> ids = new HashSet<>();
      int labeled = 0;
      int withCaption = 0;
      List<String> wrong = new ArrayList<>();
      for (PairedSample s : samples) {
        assertTrue(ids.add(s.getSampleId()), "duplicate sample " + s.getSampleId());
        if (s.getLabel() != null) labeled++;
        // sample ids are streamId#seq/<producer session> (docs/producing.md): the moment is
        // streamId#seq
        String moment = s.getSampleId().replaceFirst("/[^/]*$", "");
        assertTrue(
            classOf.containsKey(moment), "a sample of no produced moment: " + s.getSampleId());
        if (!classOf.get(moment).equals(s.getLabel()))
          wrong.add(s.getSampleId() + "=" + s.getLabel());
        if (s.getCaption() != null) {
          withCaption++;
          assertTrue(captioned.contains(moment), "caption of another moment on " + s.getSampleId());
        }
      }
      System.out.printf(
          "AnyPartitionerIT[%s]: %d/%d moments paired, %d labeled, %d captioned (of %d)%n",
          partitioner, samples.size(), expected, labeled, withCaption, captioned.size());
      // Every moment is paired, or (on a loaded machine, where one repartitioned input can run more
      // than
      // the sample gate's hold behind another) named by a dead letter with its reason: none is lost
      // silently. Nearly all must pair; every paired one must carry its own label.
      Set<String> pairedMoments = new HashSet<>();
      for (PairedSample s : samples) pairedMoments.add(s.getSampleId().replaceFirst("/[^/]*$", ""));
      List<String> letters = new ArrayList<>();
      for (var input : List.of(topics.video(), topics.audio(), topics.text())) {
        for (var d :
            PairingIT.readUntil(
                broker, topics.deadLetters(input), d -> true, 0, Duration.ofSeconds(8))) {
          letters.add(d.getErrorMessage());
        }
      }
      List<String> unexplained = new ArrayList<>();
      for (String moment : classOf.keySet()) {
        if (pairedMoments.contains(moment)) continue;
        boolean named =
            letters.stream().anyMatch(m -> m.contains(moment + "/") || m.contains(moment + " "));
        if (!named) unexplained.add(moment);
      }
      System.out.printf(
          "AnyPartitionerIT[%s]: %d moments not paired, all named by a dead letter: %s%n",
          partitioner, expected - pairedMoments.size(), unexplained.isEmpty());
      assertEquals(
          List.of(),
          unexplained,
          "moments neither paired nor dead-lettered; dead letters: " + letters);
      assertTrue(
          samples.size() >= expected * 95 / 100,
          "nearly every moment is paired: " + samples.size());
      assertEquals(List.of(), wrong, "every sample carries its own moment's label");
      assertEquals(samples.size(), labeled, "every paired moment carries its label");
      long captionedAndPaired = captioned.stream().filter(pairedMoments::contains).count();
      assertEquals(
          captionedAndPaired, withCaption, "every caption is joined to its (paired) moment");
      assertNotNull(app.state());
    }
  }

  static LabelEvent label(String id, String cls, long start, long end) {
    return LabelEvent.newBuilder()
        .setStreamId(id)
        .setClassName(cls)
        .setModality(null)
        .setStartTimeMs(start)
        .setEndTimeMs(end)
        .setEventTimeMs(start)
        .build();
  }

  static VideoFrame frame(String id, long seq, long t, Random rnd) {
    byte[] px = new byte[28 * 28];
    rnd.nextBytes(px);
    return VideoFrame.newBuilder()
        .setStreamId(id)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setWidth(28)
        .setHeight(28)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(px))
        .build();
  }

  static AudioChunk chunk(String id, long seq, long t, Random rnd) {
    short[] s = new short[1600];
    for (int i = 0; i < s.length; i++)
      s[i] = (short) (6000 * Math.sin(i * (0.05 + 0.01 * (seq % 7))) + 200 * rnd.nextGaussian());
    return AudioChunk.newBuilder()
        .setStreamId(id)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setSampleRate(16000)
        .setChannels(1)
        .setData(ByteBuffer.wrap(AvProducer.pcm16le(s)))
        .build();
  }

  static TextSegment caption(String id, long seq, long t) {
    return TextSegment.newBuilder()
        .setStreamId(id)
        .setSeq(seq)
        .setEventTimeMs(t)
        .setText("moment " + seq)
        .build();
  }
}
