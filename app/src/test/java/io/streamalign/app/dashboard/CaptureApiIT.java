package io.streamalign.app.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.embedded.EmbeddedKafkaBroker;
import io.streamalign.http.HttpSettings;
import io.streamalign.ingest.producer.AvProducer;
import io.streamalign.ingest.source.live.LiveCapture;
import io.streamalign.ingest.source.live.LiveLimits;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.SupportExample;
import io.streamalign.schemas.avro.VideoFrame;
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
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The capture API over HTTP on a real broker, without a browser: moments become frames, chunks and
 * labels with one seq per moment on the raw topics; enrollment from the last seconds reaches the
 * support topic; the server's limits (rate, size, body, Origin, token, unknown stream) refuse with
 * a reason and publish nothing. The browser end to end is {@code CapturePageIT}.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CaptureApiIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  private static String moment(int w, int h, int samples, String label) {
    byte[] px = new byte[w * h];
    for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
    byte[] pcm = new byte[samples * 2];
    for (int i = 0; i < samples; i++) {
      short v = (short) (Math.sin(2 * Math.PI * 440 * i / 16000.0) * 8000);
      pcm[2 * i] = (byte) v;
      pcm[2 * i + 1] = (byte) (v >> 8);
    }
    return "{\"width\":"
        + w
        + ",\"height\":"
        + h
        + ",\"frame\":\""
        + Base64.getEncoder().encodeToString(px)
        + "\",\"sampleRate\":16000,\"audio\":\""
        + Base64.getEncoder().encodeToString(pcm)
        + "\""
        + (label == null ? "" : ",\"label\":\"" + label + "\"")
        + "}";
  }

  private HttpResponse<String> post(DashboardServer s, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(s.url() + path.substring(1)))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void momentsBecomeRawRecordsWithOneSeqEachAndTheLimitsHold(
      EmbeddedKafkaBroker broker, Topics topics) throws Exception {
    DashboardState state = new DashboardState();
    try (AvProducer producer = new AvProducer(broker.clientProperties(), topics);
        Enroller enroller = new Enroller(broker.clientProperties(), topics);
        DashboardServer server =
            new DashboardServer(
                    HttpSettings.builder().host("127.0.0.1").port(0).bearerToken("s3cret").build(),
                    state)
                .withCapture(
                    new CaptureApi(
                        new LiveCapture(producer, LiveLimits.defaults().withMaxFps(4)),
                        state,
                        enroller))
                .start()) {
      String auth = "Bearer s3cret";
      assertTrue(server.captureUrl().endsWith("/capture"), server.captureUrl());
      assertTrue(server.token().isPresent());
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "capture")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("getUserMedia"), "the capture page is served from the jar");

      assertEquals(401, post(server, "/api/capture/open", "").statusCode(), "no token");
      assertEquals(
          401, post(server, "/api/capture/open", "", "Authorization", "Bearer wrong").statusCode());
      HttpResponse<String> cross =
          post(
              server,
              "/api/capture/open",
              "",
              "Authorization",
              auth,
              "Origin",
              "http://evil.example");
      assertEquals(403, cross.statusCode(), cross.body());
      assertTrue(cross.body().contains("cross-origin"), cross.body());

      HttpResponse<String> opened =
          post(
              server,
              "/api/capture/open",
              "",
              "Authorization",
              auth,
              "Origin",
              server.url().replaceAll("/$", ""));
      assertEquals(200, opened.statusCode(), opened.body());
      JsonNode cfg = JSON.readTree(opened.body());
      String stream = cfg.path("stream").asText();
      assertEquals(64, cfg.path("width").asInt());
      assertEquals(16000, cfg.path("sampleRate").asInt());

      String path = "/api/capture/moment?stream=" + stream;
      int sent = 0;
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> r =
            post(server, path, moment(64, 64, 4000, i < 4 ? "cup" : null), "Authorization", auth);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(i, JSON.readTree(r.body()).path("seq").asInt(), "seq 0, 1, 2, ... per moment");
        sent++;
        Thread.sleep(260);
      }
      // limits: each refused with its reason
      int[] b = burst(server, path, auth);
      assertEquals(429, b[0], "faster than 4 frames/s is refused");
      sent += b[1];
      Thread.sleep(600);
      HttpResponse<String> big =
          post(server, path, moment(65, 64, 10, null), "Authorization", auth);
      assertEquals(400, big.statusCode());
      assertTrue(big.body().contains("outside"), big.body());
      // on a connection of its own: the server answers 413 at once and closes it
      HttpResponse<String> tooLong =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                      .header("Authorization", auth)
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"x\":\"" + "a".repeat(1 << 20) + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(413, tooLong.statusCode(), "a body over the limit is refused unread");
      HttpResponse<String> junk = post(server, path, "{not json", "Authorization", auth);
      assertEquals(400, junk.statusCode());
      HttpResponse<String> unknown =
          post(
              server,
              "/api/capture/moment?stream=cam-0",
              moment(64, 64, 10, null),
              "Authorization",
              auth);
      assertEquals(404, unknown.statusCode(), "only a session's own stream id is accepted");
      HttpResponse<String> get =
          http.send(
              HttpRequest.newBuilder(URI.create(server.url() + "api/capture/open"))
                  .header("Authorization", auth)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, get.statusCode());

      List<VideoFrame> frames = read(broker, topics.video(), stream, sent);
      List<AudioChunk> chunks = read(broker, topics.audio(), stream, sent);
      List<LabelEvent> labels = read(broker, topics.labels(), stream, 4);
      assertEquals(sent, frames.size(), "exactly the accepted moments' frames: " + frames.size());
      assertEquals(sent, chunks.size());
      assertEquals(4, labels.size());
      for (int i = 0; i < sent; i++) {
        assertEquals(i, frames.get(i).getSeq());
        assertEquals(i, chunks.get(i).getSeq());
        assertEquals(frames.get(i).getEventTimeMs(), chunks.get(i).getEventTimeMs());
        assertEquals(16000, chunks.get(i).getSampleRate());
      }
      assertEquals(
          16000 * 2, chunks.get(sent - 1).getData().remaining(), "the last second of audio");
      for (int i = 0; i < 4; i++) {
        assertEquals("cup", labels.get(i).getClassName());
        assertEquals(frames.get(i).getEventTimeMs(), labels.get(i).getStartTimeMs());
      }

      HttpResponse<String> enrolled =
          post(
              server,
              "/api/capture/enroll",
              "{\"stream\":\""
                  + stream
                  + "\",\"className\":\"wave\",\"seconds\":3,\"modalities\":\"AUDIO,VIDEO\"}",
              "Authorization",
              auth);
      assertEquals(200, enrolled.statusCode(), enrolled.body());
      int k = JSON.readTree(enrolled.body()).path("enrolled").asInt();
      assertTrue(k >= 2, enrolled.body());
      List<SupportExample> support = read(broker, topics.support(), "wave", k);
      assertEquals(k, support.size());
      assertTrue(
          support.stream().anyMatch(s -> s.getFeatures().getShape().equals(List.of(1, 28, 28))),
          "video examples");
      assertTrue(
          support.stream().anyMatch(s -> s.getFeatures().getShape().equals(List.of(40, 64))),
          "audio examples");

      assertEquals(
          200,
          post(server, "/api/capture/close?stream=" + stream, "", "Authorization", auth)
              .statusCode());
      assertEquals(
          404, post(server, path, moment(64, 64, 10, null), "Authorization", auth).statusCode());
    }
  }

  /**
   * Sends moments back to back until one is refused; returns the refusal's status and how many were
   * accepted.
   */
  private int[] burst(DashboardServer s, String path, String auth) throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = post(s, path, moment(64, 64, 10, null), "Authorization", auth);
      if (r.statusCode() != 200) return new int[] {r.statusCode(), i};
    }
    return new int[] {200, 10};
  }

  /**
   * Records of {@code topic} keyed {@code key}, in offset order, waiting for {@code expected} of
   * them (and a little more).
   */
  static <V> List<V> read(
      EmbeddedKafkaBroker broker, Topic<String, V> topic, String key, int expected) {
    Properties p = broker.clientProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<V> out = new ArrayList<>();
    try (KafkaConsumer<String, V> c =
        new KafkaConsumer<>(
            p, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic.name()))
        tps.add(new TopicPartition(pi.topic(), pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      long quietUntil = Long.MAX_VALUE;
      while (System.currentTimeMillis() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<String, V> r : c.poll(Duration.ofMillis(300))) {
          if (key.equals(r.key())) out.add(r.value());
        }
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE)
          quietUntil = System.currentTimeMillis() + 1500;
      }
    }
    return out;
  }

  static <T> long count(List<T> l, Predicate<T> p) {
    return l.stream().filter(p).count();
  }
}
