package io.streamalign.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the extension injects: one shared broker, and per-class topics with their own prefix. */
@Tag("integration")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@TopicPartitions(3)
@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedKafkaExtensionIT {

  private static EmbeddedKafkaBroker fromBeforeAll;
  private static Topics topicsFromBeforeAll;

  @BeforeAll
  static void lifecycleMethodsGetTheSameObjects(EmbeddedKafkaBroker broker, Topics topics) {
    fromBeforeAll = broker;
    topicsFromBeforeAll = topics;
  }

  @Test
  void oneBrokerAndOneTopicSetPerClass(EmbeddedKafkaBroker broker, Topics topics) {
    assertSame(fromBeforeAll, broker);
    assertSame(topicsFromBeforeAll, topics);
    assertFalse(broker.isClosed());
    assertTrue(topics.prefix().startsWith("it.embeddedkafkaextensionit."), topics.prefix());
    assertNotEquals(Topics.DEFAULT_PREFIX, topics.prefix());
  }

  @Test
  void classTopicsExistWithTheAnnotatedPartitionCount(EmbeddedKafkaBroker broker, Topics topics)
      throws Exception {
    List<String> names =
        topics.allWithDeadLetters().stream().map(Topic::name).collect(Collectors.toList());
    try (Admin admin = broker.admin()) {
      Map<String, TopicDescription> described =
          admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      assertEquals(names.size(), described.size());
      for (Topic<?, ?> topic : topics.allWithDeadLetters()) {
        int expected = topic.partitions().orElse(3);
        assertEquals(expected, described.get(topic.name()).partitions().size(), topic.name());
      }
    }
  }
}
