package io.streamalign.app.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.features.data.Wav;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.testkit.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dashboard's enrollment form: uploaded WAVs become SupportExamples on the support topic. */
@ExtendWith(EmbeddedKafkaExtension.class)
class EnrollFormIT {

  private static String wavBase64(double hz) {
    short[] s = new short[8000];
    for (int i = 0; i < s.length; i++)
      s[i] = (short) (Math.sin(2 * Math.PI * hz * i / 8000) * 12000);
    return Base64.getEncoder().encodeToString(Wav.write(s, 8000, 1));
  }

  @Test
  void uploadedExamplesArePublishedAsSupportExamplesAndBadFilesAreRefused(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    try (Enroller enroller = new Enroller(broker.clientProperties(), topics);
        DashboardServer server =
            new DashboardServer("127.0.0.1", 0, new DashboardState())
                .withEnroller(enroller)
                .start()) {
      HttpClient http = HttpClient.newHttpClient();
      StringBuilder files = new StringBuilder();
      for (int i = 0; i < 5; i++)
        files.append(i == 0 ? "" : ",").append('"').append(wavBase64(300 + 100 * i)).append('"');
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "api/enroll"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"className\":\"whistle\",\"modality\":\"AUDIO\",\"files\":["
                              + files
                              + "]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
      assertTrue(ok.body().contains("\"enrolled\":5"), ok.body());

      HttpResponse<String> bad =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "api/enroll"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"className\":\"junk\",\"modality\":\"AUDIO\",\"files\":[\""
                              + Base64.getEncoder().encodeToString("not a wav".getBytes())
                              + "\"]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("example 1"), bad.body());

      Topic<String, SupportExample> support = topics.support();
      Properties p = broker.clientProperties();
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      List<SupportExample> got = new ArrayList<>();
      try (KafkaConsumer<String, SupportExample> c =
          new KafkaConsumer<>(
              p, support.keySerde().deserializer(), support.valueSerde().deserializer())) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo pi : c.partitionsFor(support.name()))
          tps.add(new TopicPartition(pi.topic(), pi.partition()));
        c.assign(tps);
        c.seekToBeginning(tps);
        long deadline = System.currentTimeMillis() + 30_000;
        while (got.size() < 5 && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, SupportExample> r : c.poll(Duration.ofMillis(500)))
            got.add(r.value());
        }
      }
      assertEquals(5, got.size(), "five examples published, the refused request published nothing");
      for (SupportExample s : got) {
        assertEquals("whistle", s.getClassName());
        assertEquals(List.of(40, 64), s.getFeatures().getShape());
      }
    }
  }
}
