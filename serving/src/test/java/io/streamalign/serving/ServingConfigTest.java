package io.streamalign.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.KafkaSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServingConfigTest {

  private final KafkaSettings kafka =
      KafkaSettings.builder().setBootstrapServers("127.0.0.1:9092").build();

  @Test
  void defaults() {
    ServingConfig c = ServingConfig.builder(kafka).build();
    assertTrue(c.promotedOnly());
    assertEquals(0, c.httpPort(), "HTTP off by default");
    assertEquals("127.0.0.1", c.httpHost(), "loopback by default");
    assertEquals(64, c.batchSize());
    assertEquals(Duration.ofMillis(5), c.batchMaxWait());
    assertEquals(3, c.topK());
    assertEquals(Set.of(1), c.formatVersions());
    assertNotEquals(
        ServingConfig.builder(kafka).build().instanceId(),
        c.instanceId(),
        "random instance id per start");
    assertTrue(c.transactionalId().startsWith(c.applicationId() + "-"));
  }

  @Test
  void readsStringProperties() {
    ServingConfig c =
        ServingConfig.fromMap(
            Map.of(
                ServingConfig.MODEL_NAME,
                "digits",
                ServingConfig.PROMOTED_ONLY,
                "false",
                ServingConfig.BATCH_SIZE,
                "128",
                ServingConfig.BATCH_MAX_WAIT_MS,
                "7",
                ServingConfig.TOP_K,
                "5",
                ServingConfig.HTTP_PORT,
                "8080",
                ServingConfig.INSTANCE_ID,
                "node-1",
                ServingConfig.FORMAT_VERSIONS,
                "1, 2"),
            kafka);
    if (System.getenv("STREAMALIGN_MODEL_NAME") == null) assertEquals("digits", c.modelName());
    assertEquals(false, c.promotedOnly());
    assertEquals(128, c.batchSize());
    assertEquals(Duration.ofMillis(7), c.batchMaxWait());
    assertEquals(5, c.topK());
    assertEquals(Set.of(1, 2), c.formatVersions());
    if (System.getenv("STREAMALIGN_SERVING_INSTANCE_ID") == null)
      assertEquals("node-1", c.instanceId());
  }

  @Test
  void rejectsBadValuesWithTheSettingsName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServingConfig.fromMap(Map.of(ServingConfig.BATCH_SIZE, "0"), kafka));
    assertTrue(e.getMessage().contains(ServingConfig.BATCH_SIZE));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ServingConfig.fromMap(Map.of(ServingConfig.HTTP_PORT, "http"), kafka));
    assertTrue(e.getMessage().contains(ServingConfig.HTTP_PORT));
    assertThrows(
        IllegalArgumentException.class,
        () -> ServingConfig.builder(kafka).setModelName(" ").build());
    assertThrows(NullPointerException.class, () -> ServingConfig.builder(null).build());
  }

  @Test
  void theJsonMirrorIsOffByDefault() {
    assertFalse(ServingConfig.builder(kafka).build().jsonMirror());
    assertTrue(ServingConfig.builder(kafka).optJsonMirror(true).build().jsonMirror());
    assertTrue(
        ServingConfig.fromMap(Map.of(ServingConfig.JSON_MIRROR, "true"), kafka).jsonMirror());
    assertTrue(ServingConfig.DOCS.containsKey(ServingConfig.JSON_MIRROR));
  }
}
