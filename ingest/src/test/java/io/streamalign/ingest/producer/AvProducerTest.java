package io.streamalign.ingest.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamalign.schemas.avro.Modality;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * Configuration and encoding of {@link AvProducer}; sending is covered against a real broker by
 * PairingIT.
 */
class AvProducerTest {

  @Test
  void safetySettingsCannotBeOverriddenButTuningCan() {
    Properties client = new Properties();
    client.put("bootstrap.servers", "b:9092");
    client.put(ProducerConfig.ACKS_CONFIG, "0");
    client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    client.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    client.put("security.protocol", "SASL_SSL");
    Properties p = AvProducer.producerProperties(client);
    assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
    assertEquals("true", p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    assertEquals("zstd", p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
    assertEquals("SASL_SSL", p.get("security.protocol"));
    assertEquals(
        "10", AvProducer.producerProperties(new Properties()).get(ProducerConfig.LINGER_MS_CONFIG));
    assertEquals(
        "lz4",
        AvProducer.producerProperties(new Properties())
            .get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
  }

  @Test
  void pcm16IsLittleEndian() {
    assertArrayEquals(
        new byte[] {0x34, 0x12, (byte) 0xff, (byte) 0xff, 0x00, (byte) 0x80},
        AvProducer.pcm16le(new short[] {0x1234, -1, Short.MIN_VALUE}));
  }

  @Test
  void sequenceNumbersArePerStreamAndModalityAndThreadSafe() throws Exception {
    Properties client = new Properties();
    client.put("bootstrap.servers", "localhost:1"); // never contacted: nothing is sent
    try (AvProducer p = new AvProducer(client, io.streamalign.schemas.Topics.defaults())) {
      Set<Long> seen = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < 1000; i++)
        pool.execute(() -> seen.add(p.nextSeq("cam1", Modality.VIDEO)));
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
      assertEquals(1000, seen.size());
      assertEquals(1000L, p.nextSeq("cam1", Modality.VIDEO));
      assertEquals(0L, p.nextSeq("cam1", Modality.AUDIO));
      assertEquals(0L, p.nextSeq("cam2", Modality.VIDEO));
      p.close(java.time.Duration.ZERO);
    }
  }

  @Test
  void everyTypedRecordCarriesTheProducersSessionAndARestartGetsANewOne() {
    java.util.List<String> sessions = new java.util.ArrayList<>();
    for (int run = 0; run < 2; run++) {
      org.apache.kafka.clients.producer.MockProducer<byte[], byte[]> mock =
          new org.apache.kafka.clients.producer.MockProducer<>(
              true,
              null,
              new org.apache.kafka.common.serialization.ByteArraySerializer(),
              new org.apache.kafka.common.serialization.ByteArraySerializer());
      try (AvProducer p = new AvProducer(mock, io.streamalign.schemas.Topics.defaults())) {
        p.sendFrame(
            "cam1",
            0L,
            2,
            1,
            1,
            io.streamalign.schemas.avro.FrameEncoding.RAW8,
            new byte[] {1, 2},
            1000L);
        p.sendAudio("cam1", 0L, 8000, new short[160], 1000L);
        p.sendText("cam1", 0L, "hi", 1000L);
        p.sendLabel("cam1", "x", null, 1000L, 2000L, 1000L);
        p.sendRaw("av.video", "cam1", new byte[] {9}, 1000L);
        assertEquals(5, mock.history().size());
        for (int i = 0; i < 4; i++) {
          org.apache.kafka.common.header.Header h =
              mock.history().get(i).headers().lastHeader(AvProducer.SESSION_HEADER);
          assertEquals(p.session(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        org.junit.jupiter.api.Assertions.assertNull(
            mock.history().get(4).headers().lastHeader(AvProducer.SESSION_HEADER),
            "raw records are sent exactly as given");
        org.junit.jupiter.api.Assertions.assertTrue(
            p.session().matches("[a-z0-9]{13}"), p.session());
        sessions.add(p.session());
      }
    }
    org.junit.jupiter.api.Assertions.assertNotEquals(sessions.get(0), sessions.get(1));
  }
}
