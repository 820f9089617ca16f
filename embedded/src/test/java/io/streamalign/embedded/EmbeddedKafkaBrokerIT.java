package io.streamalign.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.streamalign.schemas.FeatureTensors;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.PairingKind;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.TopicPartitionOffset;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs a real embedded KRaft broker and sends every StreamAlign record type through it. */
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedKafkaBrokerIT {

  private static final long T0 = 1_700_000_000_000L;
  private static final int DEFAULT_PARTITIONS = 2;

  private static EmbeddedKafkaBroker broker;

  /** A registry of its own, so these tests never read the default topics' records. */
  private static Topics topics;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start();
    broker.createTopics(DEFAULT_PARTITIONS);
    topics = Topics.withPrefix("it.embedded.");
    broker.createTopics(topics, 1);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
      assertFalse(
          java.nio.file.Files.exists(broker.dataDir()),
          "a temporary data directory is deleted on close");
    }
  }

  @Test
  void createTopicsMakesEveryDefaultTopic() throws Exception {
    Set<String> expected = new TreeSet<>();
    Topics defaults = Topics.defaults();
    for (Topic<?, ?> topic : defaults.all()) {
      expected.add(topic.name());
      expected.add(topic.dlq());
    }
    try (Admin admin = broker.admin()) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertTrue(
          existing.containsAll(expected),
          () ->
              "missing topics: "
                  + expected.stream()
                      .filter(t -> !existing.contains(t))
                      .collect(Collectors.toList()));
      int partitions =
          admin
              .describeTopics(List.of(defaults.predictions().name()))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(defaults.predictions().name())
              .partitions()
              .size();
      assertEquals(DEFAULT_PARTITIONS, partitions);
    }
    assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
  }

  @Test
  void everyRecordTypeRoundTripsThroughItsTopic() {
    Set<String> covered = new HashSet<>();
    covered.add(roundTrip(broker, topics.video(), "cam-1", videoFrame()));
    covered.add(roundTrip(broker, topics.audio(), "cam-1", audioChunk()));
    covered.add(roundTrip(broker, topics.text(), "cam-1", textSegment()));
    covered.add(roundTrip(broker, topics.labels(), "cam-1", labelEvent()));
    covered.add(roundTrip(broker, topics.paired(), "cam-1", pairedSample(true)));
    covered.add(roundTrip(broker, topics.infer(), "cam-1", pairedSample(false)));
    covered.add(roundTrip(broker, topics.support(), "seven", supportExample()));
    covered.add(roundTrip(broker, topics.predictions(), "cam-1", prediction()));
    covered.add(roundTrip(broker, topics.snapshots(), "xmodal", snapshot(1024)));
    covered.add(roundTrip(broker, topics.metrics(), "xmodal", trainerMetrics()));
    Topic<byte[], DeadLetter> dlq = topics.deadLetters(topics.video());
    covered.add(
        roundTrip(broker, dlq, "cam-1".getBytes(StandardCharsets.UTF_8), deadLetter(topics)));

    Set<String> registered = topics.all().stream().map(Topic::name).collect(Collectors.toSet());
    registered.add(dlq.name());
    assertEquals(
        new TreeSet<>(registered),
        new TreeSet<>(covered),
        "every registered topic must be exercised by this test");
  }

  @Test
  void snapshotsTopicIsCompactedAndTakesLargeSnapshots() throws Exception {
    String name = topics.snapshots().name();
    try (Admin admin = broker.admin()) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
      Config config =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      assertEquals("compact", config.get("cleanup.policy").value());
      assertEquals("67108864", config.get("max.message.bytes").value());
    }
    // A 40 MiB snapshot: far above Kafka's 1 MiB default, below the 64 MiB limit.
    ModelSnapshot big = snapshot(40 * 1024 * 1024);
    Properties producerProps = broker.clientProperties();
    producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "67108864");
    producerProps.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(128L * 1024 * 1024));
    producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    Topic<String, ModelSnapshot> topic = topics.snapshots();
    try (KafkaProducer<String, ModelSnapshot> producer =
        new KafkaProducer<>(
            producerProps, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(name, "big-model", big)).get(60, TimeUnit.SECONDS);
    }
    List<ConsumerRecord<String, ModelSnapshot>> read = readAll(broker, topic, 2);
    ModelSnapshot back =
        read.stream()
            .filter(r -> "big-model".equals(r.key()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("large snapshot not read back"))
            .value();
    assertEquals(big.getSha256(), back.getSha256());
    assertEquals(big.getParameters().remaining(), back.getParameters().remaining());
    assertEquals(big, back);
  }

  @Test
  void transactionalProducerCommitsAndAborts() throws Exception {
    Topic<String, Prediction> topic = topics.predictions();
    Properties props = broker.clientProperties();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-it-" + UUID.randomUUID());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (KafkaProducer<String, Prediction> producer =
        new KafkaProducer<>(
            props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic.name(), "aborted", prediction("aborted")));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic.name(), "committed", prediction("committed")));
      producer.commitTransaction();
    }
    Properties consumerProps = broker.clientProperties();
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, Prediction>> committed =
        read(consumerProps, topic, 1, Duration.ofSeconds(30));
    Set<String> keys = committed.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    assertTrue(keys.contains("committed"), "committed record visible: " + keys);
    assertFalse(keys.contains("aborted"), "aborted record hidden from read_committed: " + keys);
    assertEquals("committed", committed.get(0).value().getLabel());
  }

  @Test
  void autoTopicCreationIsOff() {
    Properties props = broker.clientProperties();
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            props,
            new org.apache.kafka.common.serialization.StringSerializer(),
            new org.apache.kafka.common.serialization.StringSerializer())) {
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  producer
                      .send(new ProducerRecord<>("no.such.topic." + UUID.randomUUID(), "k", "v"))
                      .get(10, TimeUnit.SECONDS));
      assertTrue(
          e.toString().contains("Timeout") || e.toString().contains("UnknownTopic"), e.toString());
    }
  }

  @Test
  void listensOnLoopbackOnly() throws Exception {
    int port =
        Integer.parseInt(
            broker.bootstrapServers().substring(broker.bootstrapServers().lastIndexOf(':') + 1));
    List<InetAddress> external = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          external.add(address);
        }
      }
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    }
    assumeFalse(external.isEmpty(), "this host has no non-loopback IPv4 address to probe");
    for (InetAddress address : external) {
      boolean connected;
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address, port), 2000);
        connected = true;
      } catch (IOException refusedOrUnreachable) {
        connected = false;
      }
      assertFalse(connected, "broker must not accept connections on " + address);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static <K, V> String roundTrip(
      EmbeddedKafkaBroker broker, Topic<K, V> topic, K key, V value) {
    Properties props = broker.clientProperties();
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "67108864");
    try (KafkaProducer<K, V> producer =
        new KafkaProducer<>(
            props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("producing to " + topic.name() + " failed", e);
    }
    List<ConsumerRecord<K, V>> records = readAll(broker, topic, 1);
    ConsumerRecord<K, V> record = records.get(records.size() - 1);
    if (key instanceof byte[]) {
      assertArrayEquals((byte[]) key, (byte[]) record.key(), topic.name() + " key");
    } else {
      assertEquals(key, record.key(), topic.name() + " key");
    }
    assertEquals(value, record.value(), topic.name() + " value");
    assertEquals(value.getClass(), record.value().getClass());
    return topic.name();
  }

  private static <K, V> List<ConsumerRecord<K, V>> readAll(
      EmbeddedKafkaBroker broker, Topic<K, V> topic, int atLeast) {
    return read(broker.clientProperties(), topic, atLeast, Duration.ofSeconds(30));
  }

  /** Reads a topic from the beginning of every partition until at least n records arrived. */
  private static <K, V> List<ConsumerRecord<K, V>> read(
      Properties props, Topic<K, V> topic, int n, Duration timeout) {
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "104857600");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "104857600");
    Deserializer<K> keys = topic.keySerde().deserializer();
    Deserializer<V> values = topic.valueSerde().deserializer();
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    assertTrue(
        out.size() >= n,
        "expected at least " + n + " records on " + topic.name() + ", got " + out.size());
    return out;
  }

  private static VideoFrame videoFrame() {
    byte[] pixels = new byte[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    return VideoFrame.newBuilder()
        .setStreamId("cam-1")
        .setSeq(3)
        .setEventTimeMs(T0)
        .setWidth(28)
        .setHeight(28)
        .setChannels(1)
        .setEncoding(FrameEncoding.RAW8)
        .setData(ByteBuffer.wrap(pixels))
        .build();
  }

  private static AudioChunk audioChunk() {
    byte[] pcm = new byte[1600 * 2];
    for (int i = 0; i < 1600; i++) {
      short s = (short) (Math.sin(i * 0.1) * 10_000);
      pcm[2 * i] = (byte) s;
      pcm[2 * i + 1] = (byte) (s >> 8);
    }
    return AudioChunk.newBuilder()
        .setStreamId("cam-1")
        .setSeq(4)
        .setEventTimeMs(T0)
        .setSampleRate(8000)
        .setChannels(1)
        .setData(ByteBuffer.wrap(pcm))
        .build();
  }

  private static TextSegment textSegment() {
    return TextSegment.newBuilder()
        .setStreamId("cam-1")
        .setSeq(5)
        .setEventTimeMs(T0)
        .setText("seven")
        .setLanguage("en")
        .build();
  }

  private static LabelEvent labelEvent() {
    return LabelEvent.newBuilder()
        .setStreamId("cam-1")
        .setClassName("seven")
        .setModality(Modality.VIDEO)
        .setStartTimeMs(T0)
        .setEndTimeMs(T0 + 1000)
        .setEventTimeMs(T0)
        .build();
  }

  private static PairedSample pairedSample(boolean labeled) {
    float[] video = new float[28 * 28];
    float[] audio = new float[40 * 64];
    for (int i = 0; i < video.length; i++) {
      video[i] = i / 784f;
    }
    for (int i = 0; i < audio.length; i++) {
      audio[i] = (float) Math.cos(i);
    }
    return PairedSample.newBuilder()
        .setSampleId("cam-1@" + T0)
        .setStreamId("cam-1")
        .setEventTimeMs(T0)
        .setVideo(FeatureTensors.of(video, 1, 28, 28))
        .setAudio(FeatureTensors.of(audio, 40, 64))
        .setText(null)
        .setCaption(labeled ? "seven" : null)
        .setLabel(labeled ? "seven" : null)
        .setLabeledModalities(labeled ? List.of(Modality.VIDEO, Modality.AUDIO) : List.of())
        .setPairing(PairingKind.STRONG)
        .setConceptGroup(labeled ? "seven" : null)
        .build();
  }

  private static SupportExample supportExample() {
    return SupportExample.newBuilder()
        .setExampleId("ex-1")
        .setClassName("seven")
        .setModality(Modality.AUDIO)
        .setFeatures(FeatureTensors.of(new float[] {1f, 2f, 3f, 4f}, 2, 2))
        .setEventTimeMs(T0)
        .build();
  }

  private static Prediction prediction() {
    return prediction("seven");
  }

  private static Prediction prediction(String label) {
    return Prediction.newBuilder()
        .setSampleId("cam-1@" + T0)
        .setStreamId("cam-1")
        .setLabel(label)
        .setScore(0.91)
        .setTopK(List.of(new ClassScore(label, 0.91), new ClassScore("one", 0.05)))
        .setModalitiesUsed(List.of(Modality.VIDEO, Modality.AUDIO))
        .setModelName("xmodal")
        .setModelVersion(7)
        .setEventTimeMs(T0)
        .setPublishTimeMs(T0 + 12)
        .setLatencyMs(12)
        .setTrueLabel(label)
        .build();
  }

  private static ModelSnapshot snapshot(int parameterBytes) {
    byte[] params = new byte[parameterBytes];
    new java.util.Random(42).nextBytes(params);
    String sha;
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(params);
      StringBuilder hex = new StringBuilder();
      for (byte b : digest) {
        hex.append(String.format("%02x", b));
      }
      sha = hex.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return ModelSnapshot.newBuilder()
        .setModelName("xmodal")
        .setVersion(7)
        .setFormatVersion(1)
        .setCreatedAtMs(T0)
        .setConfigJson("{\"embeddingDim\":128}")
        .setParameters(ByteBuffer.wrap(params))
        .setSha256(sha)
        .setClasses(List.of("zero", "one", "seven"))
        .setModalities(List.of(Modality.VIDEO, Modality.AUDIO))
        .setMetrics(Map.of("prequential.VIDEO", 0.8))
        .setPromoted(true)
        .setSourceOffsets(List.of(new TopicPartitionOffset("av.paired", 0, 1234L)))
        .setSamplesSeen(1234)
        .setLearnerClass("io.streamalign.model.CrossModalLearner")
        .setBuildVersion("test")
        .build();
  }

  private static TrainerMetrics trainerMetrics() {
    return TrainerMetrics.newBuilder()
        .setModelName("xmodal")
        .setVersion(7)
        .setTimeMs(T0)
        .setSamplesSeen(1234)
        .setSamplesPerSec(512.5)
        .setPrequentialAccuracy(Map.of("VIDEO", 0.8, "AUDIO", 0.6, "FUSED", 0.85))
        .setRho(1.3)
        .setBeta(0)
        .setGamma(0.3)
        .setLosses(Map.of("ce", 0.7, "nce", 1.2))
        .setSkippedNonFinite(0)
        .setDriftEvents(0)
        .setConsumerLag(3)
        .setSnapshotBytes(1024)
        .build();
  }

  private static DeadLetter deadLetter(Topics topics) {
    return DeadLetter.newBuilder()
        .setOriginalTopic(topics.video().name())
        .setPartition(0)
        .setOffset(17)
        .setKey(ByteBuffer.wrap("cam-1".getBytes(StandardCharsets.UTF_8)))
        .setValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .setErrorClass("io.streamalign.schemas.AvroDecodeException")
        .setErrorMessage("bad header")
        .setStage("pairing")
        .setFailedAtMs(T0)
        .build();
  }
}
