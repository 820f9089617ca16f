package io.streamalign.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.LearnerConfig;
import io.streamalign.schemas.KafkaSettings;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {

  private final KafkaSettings kafka =
      KafkaSettings.builder().setBootstrapServers("127.0.0.1:9092").build();

  @Test
  void defaultsAndDerivedIds() {
    TrainerConfig c = TrainerConfig.builder().setModelName("digits").setKafka(kafka).build();
    assertEquals("streamalign-trainer-digits", c.groupId());
    assertEquals("streamalign-trainer-digits", c.transactionalId());
    assertEquals(32, c.batchSize());
    assertEquals(256, c.maxPendingSamples());
    assertEquals(0, c.metricsPort());
    assertEquals("127.0.0.1", c.metricsBindAddress());
    assertEquals("av.paired", c.topics().paired().name());
    assertEquals(LearnerConfig.defaults(), c.learnerConfig());
  }

  @Test
  void readsPropertiesAndValidates() {
    Properties p = new Properties();
    p.setProperty(TrainerConfig.MODEL_NAME_CONFIG, "m1");
    p.setProperty(TrainerConfig.BATCH_SIZE_CONFIG, "16");
    p.setProperty(TrainerConfig.BATCH_MAX_WAIT_MS_CONFIG, "250");
    p.setProperty(TrainerConfig.SNAPSHOT_EVERY_SAMPLES_CONFIG, "100");
    p.setProperty(TrainerConfig.PROMOTION_MARGIN_CONFIG, "0.05");
    p.setProperty(TrainerConfig.METRICS_PORT_CONFIG, "9464");
    TrainerConfig c = TrainerConfig.fromProperties(p, kafka, LearnerConfig.defaults());
    assertEquals(16, c.batchSize());
    assertEquals(Duration.ofMillis(250), c.batchMaxWait());
    assertEquals(100, c.snapshotEverySamples());
    assertEquals(0.05, c.promotionMargin());
    assertEquals(9464, c.metricsPort());

    p.setProperty(TrainerConfig.BATCH_SIZE_CONFIG, "many");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainerConfig.fromProperties(p, kafka, LearnerConfig.defaults()));
    assertTrue(e.getMessage().contains(TrainerConfig.BATCH_SIZE_CONFIG), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TrainerConfig.builder().setModelName("bad name").setKafka(kafka).build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TrainerConfig.builder()
                .setModelName("m")
                .setKafka(kafka)
                .optBatchSize(64)
                .optMaxPendingSamples(10)
                .build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TrainerConfig.builder()
                .setModelName("m")
                .setKafka(kafka)
                .optPromotionMargin(-1)
                .build());
    assertThrows(
        IllegalArgumentException.class, () -> TrainerConfig.builder().setKafka(kafka).build());
  }
}
