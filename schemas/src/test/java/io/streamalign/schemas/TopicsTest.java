package io.streamalign.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.DeadLetter;
import io.streamalign.schemas.avro.ModelSnapshot;
import io.streamalign.schemas.avro.PairedSample;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void defaultNamesFollowTheDesign() {
    Topics t = Topics.defaults();
    assertEquals("av.", t.prefix());
    assertEquals(
        List.of(
            "av.video",
            "av.audio",
            "av.text",
            "av.labels",
            "av.paired",
            "av.support",
            "av.infer",
            "av.predictions",
            "av.model.snapshots",
            "av.trainer.metrics"),
        t.all().stream().map(Topic::name).collect(Collectors.toList()));
  }

  @Test
  void customPrefixAppliesToEveryTopicAndDlq() {
    Topics t = Topics.withPrefix("it-7_x.");
    assertEquals("it-7_x.video", t.video().name());
    assertEquals("it-7_x.audio", t.audio().name());
    assertEquals("it-7_x.text", t.text().name());
    assertEquals("it-7_x.labels", t.labels().name());
    assertEquals("it-7_x.paired", t.paired().name());
    assertEquals("it-7_x.support", t.support().name());
    assertEquals("it-7_x.infer", t.infer().name());
    assertEquals("it-7_x.predictions", t.predictions().name());
    assertEquals("it-7_x.model.snapshots", t.snapshots().name());
    assertEquals("it-7_x.trainer.metrics", t.metrics().name());
    for (Topic<?, ?> topic : t.allWithDeadLetters()) {
      assertTrue(topic.name().startsWith("it-7_x."), topic.name());
    }
    assertEquals("", Topics.withPrefix("").prefix());
    assertEquals("video", Topics.withPrefix("").video().name());
  }

  @Test
  void illegalPrefixesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Topics.withPrefix("av/"));
    assertThrows(IllegalArgumentException.class, () -> Topics.withPrefix("a v."));
    assertThrows(NullPointerException.class, () -> Topics.withPrefix(null));
  }

  @Test
  void allIsCompleteAndDistinctAndCoversEveryAccessor() {
    Topics t = Topics.defaults();
    List<Topic<?, ?>> all = t.all();
    assertEquals(10, all.size());
    Set<String> names = all.stream().map(Topic::name).collect(Collectors.toSet());
    assertEquals(10, names.size());
    for (Topic<?, ?> accessor :
        List.of(
            t.video(),
            t.audio(),
            t.text(),
            t.labels(),
            t.paired(),
            t.support(),
            t.infer(),
            t.predictions(),
            t.snapshots(),
            t.metrics())) {
      assertTrue(all.contains(accessor), accessor.name());
    }
    // every record type that travels on a topic has one (DeadLetter on the DLQs)
    Set<Class<?>> valueTypes = new HashSet<>();
    for (Topic<?, ?> topic : t.allWithDeadLetters()) {
      valueTypes.add(((AvroSerde<?>) topic.valueSerde()).type());
    }
    assertEquals(new HashSet<>(KnownSchemas.RECORDS), valueTypes);
  }

  @Test
  void deadLetterTopicsMirrorAllTopics() {
    Topics t = Topics.withPrefix("p.");
    List<Topic<byte[], DeadLetter>> dlqs = t.deadLetterTopics();
    assertEquals(t.all().size(), dlqs.size());
    for (int i = 0; i < dlqs.size(); i++) {
      Topic<?, ?> src = t.all().get(i);
      Topic<byte[], DeadLetter> dlq = dlqs.get(i);
      assertEquals(src.name() + ".dlq", dlq.name());
      assertEquals(src.dlq(), dlq.name());
      assertTrue(dlq.isDeadLetterTopic());
      assertFalse(src.isDeadLetterTopic());
      assertEquals(DeadLetter.class, ((AvroSerde<?>) dlq.valueSerde()).type());
      assertTrue(
          dlq.keySerde().serializer()
              instanceof org.apache.kafka.common.serialization.ByteArraySerializer);
      assertEquals(
          Long.toString(Topics.DEAD_LETTER_RETENTION_MS), dlq.configs().get("retention.ms"));
    }
    assertEquals("p.paired.dlq", t.deadLetters(t.paired()).name());
    assertThrows(IllegalArgumentException.class, () -> t.deadLetters(t.deadLetters(t.video())));
    assertEquals(20, t.allWithDeadLetters().size());
  }

  @Test
  void topicConfigs() {
    Topics t = Topics.defaults();
    assertEquals(
        Map.of("cleanup.policy", "compact", "max.message.bytes", "67108864"),
        t.snapshots().configs());
    assertEquals(Long.toString(3L * 24 * 3600 * 1000), t.metrics().configs().get("retention.ms"));
    // the raw inputs take 8 MiB, and so does the producer writing them
    for (Topic<?, ?> in : List.of(t.video(), t.audio(), t.text(), t.labels())) {
      assertEquals("8388608", in.configs().get("max.message.bytes"), in.name());
      // kept 7 days, and a record that the broker would delete at its next retention check is
      // refused at produce time instead: everything taken in stays at least a day
      assertEquals(Long.toString(7L * 24 * 3600 * 1000), in.configs().get("retention.ms"));
      assertEquals(
          Long.toString(6L * 24 * 3600 * 1000),
          in.configs().get("message.timestamp.before.max.ms"),
          in.name());
      assertEquals(8388608, Topics.producerConfigsFor(in).get("max.request.size"), in.name());
    }
    // what the services write is stamped by the broker: a replayed sample's old event time can
    // not get it deleted before it is read
    for (Topic<?, ?> out : List.of(t.paired(), t.support(), t.infer(), t.predictions())) {
      assertEquals("LogAppendTime", out.configs().get("message.timestamp.type"), out.name());
    }
    // a dead letter keeps a bounded prefix of what it explains, so every DLQ takes 1 MiB,
    // snapshots' too
    for (Topic<?, ?> dlq : t.deadLetterTopics()) {
      assertEquals("1048576", dlq.configs().get("max.message.bytes"), dlq.name());
      assertTrue(Topics.producerConfigsFor(dlq).isEmpty(), dlq.name());
    }
    assertTrue(DeadLetters.MAX_ENCODED_BYTES < Topics.DEAD_LETTER_MAX_MESSAGE_BYTES);
    assertEquals(
        Map.of("max.request.size", 67108864, "buffer.memory", 134217728L),
        Topics.producerConfigsFor(t.snapshots()));
    assertTrue(Topics.producerConfigsFor(t.paired()).isEmpty());
    assertThrows(UnsupportedOperationException.class, () -> t.snapshots().configs().put("x", "y"));
  }

  @Test
  void serdesAreTyped() {
    Topics t = Topics.defaults();
    Topic<String, PairedSample> paired = t.paired();
    PairedSample s = new SampleRecords(1).pairedSample();
    byte[] bytes = paired.valueSerde().serializer().serialize(paired.name(), s);
    assertEquals(s, paired.valueSerde().deserializer().deserialize(paired.name(), bytes));
    assertEquals(
        "cam-1",
        paired
            .keySerde()
            .deserializer()
            .deserialize(
                paired.name(), paired.keySerde().serializer().serialize(paired.name(), "cam-1")));
    Topic<String, ModelSnapshot> snaps = t.snapshots();
    assertEquals(ModelSnapshot.class, ((AvroSerde<?>) snaps.valueSerde()).type());
    assertEquals(t.infer().valueSerde(), t.paired().valueSerde());
  }

  @Test
  void byNameFindsTopicsAndDlqs() {
    Topics t = Topics.defaults();
    assertEquals(t.paired(), t.byName("av.paired").orElseThrow());
    assertEquals("av.video.dlq", t.byName("av.video.dlq").orElseThrow().name());
    assertTrue(t.byName("nope").isEmpty());
  }

  @Test
  void topicValidatesItsArguments() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Topic<>("bad name", Serdes.String(), Serdes.String()));
    assertThrows(
        IllegalArgumentException.class, () -> new Topic<>("..", Serdes.String(), Serdes.String()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Topic<>(
                "x", Serdes.String(), Serdes.String(), Map.of(), java.util.OptionalInt.of(0)));
  }

  @Test
  void newTopicCarriesConfigsAndPartitionOverride() {
    Topics t = Topics.defaults();
    NewTopic snaps = TopicAdmin.newTopic(t.snapshots(), 3, (short) 1);
    assertEquals("av.model.snapshots", snaps.name());
    assertEquals(3, snaps.numPartitions());
    assertEquals(1, snaps.replicationFactor());
    assertEquals("compact", snaps.configs().get("cleanup.policy"));
    Topic<String, String> one =
        new Topic<>(
            "single", Serdes.String(), Serdes.String(), Map.of(), java.util.OptionalInt.of(1));
    assertEquals(1, TopicAdmin.newTopic(one, 6, (short) 1).numPartitions());
    assertEquals(1, TopicAdmin.newTopic(t.deadLetters(one), 6, (short) 1).numPartitions());
  }
}
