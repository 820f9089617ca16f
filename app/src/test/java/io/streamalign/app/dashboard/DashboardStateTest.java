package io.streamalign.app.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.ClassScore;
import io.streamalign.schemas.avro.FrameEncoding;
import io.streamalign.schemas.avro.Modality;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardStateTest {

  private static Prediction prediction(
      String stream, long version, long latency, String label, String truth, long t) {
    return Prediction.newBuilder()
        .setSampleId(stream + "-" + t)
        .setStreamId(stream)
        .setLabel(label)
        .setScore(0.8)
        .setTopK(List.of(new ClassScore(label, 0.8)))
        .setModalitiesUsed(List.of(Modality.VIDEO, Modality.AUDIO))
        .setModelName("m")
        .setModelVersion(version)
        .setEventTimeMs(t)
        .setPublishTimeMs(t + latency)
        .setLatencyMs(latency)
        .setTrueLabel(truth)
        .build();
  }

  @Test
  void latencyPercentilesAccuracyAndVersions() {
    DashboardState s = new DashboardState();
    for (int i = 1; i <= 100; i++) {
      s.onPrediction(prediction("s1", i <= 50 ? 1 : 2, i, "a", i % 4 == 0 ? "b" : "a", 1000 + i));
    }
    assertEquals(50.0, s.latencyPercentile(50));
    assertEquals(99.0, s.latencyPercentile(99));
    assertEquals(0.75, s.servedAccuracy(), 1e-12);
    assertEquals(2, s.maxPredictionVersion());
    assertEquals(List.of(1L, 2L), List.copyOf(s.versionsServed().keySet()));
    assertEquals(12, s.recentPredictions().size(), "recent predictions are bounded");
  }

  @Test
  void steadyLatencyLeavesOutTheEventsThatWaitedForTheFirstModel() {
    DashboardState s = new DashboardState();
    // events at 0..9 s waited for the first model, served at 10 s: latencies 10 s down to 1 s
    for (int i = 0; i < 10; i++)
      s.onPrediction(prediction("s1", 1, 10_000 - i * 1000, "a", "a", i * 1000L));
    // events from 10 s on: 100 ms each, one of 300 ms
    for (int i = 0; i < 40; i++)
      s.onPrediction(prediction("s1", 1, i == 7 ? 300 : 100, "a", "a", 10_000 + i * 100L));
    assertEquals(100.0, s.steadyLatencyPercentile(50));
    assertEquals(300.0, s.steadyLatencyPercentile(99));
    assertEquals(10_000.0, s.latencyPercentile(99), "all predictions: the start-up's");
    assertTrue(Double.isNaN(new DashboardState().steadyLatencyPercentile(50)));
  }

  @Test
  void predictionIsShownWithTheNearestFrameAndWaveform() {
    DashboardState s = new DashboardState();
    byte[] px = new byte[28 * 28];
    px[0] = (byte) 255;
    s.onFrame(
        VideoFrame.newBuilder()
            .setStreamId("cam")
            .setSeq(1)
            .setEventTimeMs(1000)
            .setWidth(28)
            .setHeight(28)
            .setChannels(1)
            .setEncoding(FrameEncoding.RAW8)
            .setData(ByteBuffer.wrap(px))
            .build());
    ByteBuffer pcm = ByteBuffer.allocate(1600 * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 1600; i++)
      pcm.putShort((short) (Math.sin(i / 5.0) * 16000 * (i < 800 ? 1 : 0.1)));
    pcm.flip();
    s.onAudio(
        AudioChunk.newBuilder()
            .setStreamId("cam")
            .setSeq(1)
            .setEventTimeMs(1003)
            .setSampleRate(8000)
            .setChannels(1)
            .setData(pcm)
            .build());
    s.onPrediction(prediction("cam", 3, 12, "7", "7", 1002));
    DashboardState.PredictionView v = s.recentPredictions().get(0);
    assertNotNull(v.framePng());
    assertTrue(v.framePng().startsWith("data:image/png;base64,"));
    assertTrue(v.waveform().length > 10);
    assertTrue(
        v.waveform()[0] > 0.3f && v.waveform()[v.waveform().length - 1] < 0.2f,
        "envelope follows loudness");
    String json = s.toJson(10);
    assertTrue(json.contains("\"servedVersion\":3"), json);
    assertTrue(json.contains("\"latency\":12"), json);
  }

  @Test
  void reportHasSummaryAndPlots(@TempDir Path dir) throws Exception {
    DashboardState s = new DashboardState();
    for (int v = 1; v <= 5; v++) {
      s.onMetrics(
          TrainerMetrics.newBuilder()
              .setModelName("m")
              .setVersion(v)
              .setTimeMs(1000L * v)
              .setSamplesSeen(100L * v)
              .setSamplesPerSec(50)
              .setPrequentialAccuracy(Map.of("VIDEO", 0.1 * v, "FUSED", 0.12 * v))
              .setRho(1.5)
              .setBeta(0)
              .setGamma(0.5)
              .setLosses(Map.of("align", 1.0 / v))
              .setSkippedNonFinite(0)
              .setDriftEvents(0)
              .setConsumerLag(3)
              .setSnapshotBytes(1000)
              .build());
    }
    Path report = RunReport.write(s, dir, Map.of("source", "test"));
    String md = Files.readString(report);
    assertTrue(md.contains("| last trained model version | 5 |"), md);
    assertTrue(md.contains("prequential accuracy FUSED | 0.6"), md);
    for (String png : List.of("accuracy.png", "pmr.png", "losses.png", "throughput.png")) {
      assertTrue(Files.size(dir.resolve(png)) > 1000, png);
    }
  }

  @Test
  void eachStreamFollowsItsOwnPredictionsAndTheClassNamesAreCollected() {
    DashboardState s = new DashboardState();
    for (int i = 0; i < 30; i++)
      s.onPrediction(
          prediction(i % 2 == 0 ? "live-a" : "cam-b", 4, 7, "c" + (i % 3), null, 1000 + i));
    s.onSupportClass("wave");
    List<DashboardState.StreamPrediction> mine = s.predictionsOf("live-a", 0);
    assertEquals(15, mine.size());
    assertTrue(
        mine.stream().allMatch(p -> p.sampleId().startsWith("live-a")),
        "only the stream's own predictions");
    long seen = mine.get(9).n();
    List<DashboardState.StreamPrediction> newer = s.predictionsOf("live-a", seen);
    assertEquals(5, newer.size(), "what came after the last one seen");
    assertTrue(newer.get(0).n() > seen);
    assertEquals(List.of(), s.predictionsOf("nobody", 0));
    assertEquals(List.of("c0", "c1", "c2", "wave"), List.copyOf(s.classNames()));
    String json = DashboardState.toJson(mine.get(0));
    assertTrue(
        json.contains("\"label\":\"c0\"")
            && json.contains("\"latency\":7")
            && json.contains("\"topK\":[{\"label\":\"c0\""),
        json);
    assertTrue(
        s.captureJson(10).startsWith("{\"classes\":[\"c0\",\"c1\",\"c2\",\"wave\"]"),
        s.captureJson(10));
  }

  @Test
  void theReportShowsTheCapturePageWhenItsScreenshotIsThere(@TempDir Path dir) throws Exception {
    DashboardState s = new DashboardState();
    Path without = RunReport.write(s, dir.resolve("a"), Map.of());
    assertTrue(!Files.readString(without).contains("capture page"));
    Files.createDirectories(dir.resolve("b"));
    Files.write(dir.resolve("b").resolve(RunReport.CAPTURE_SCREENSHOT), new byte[] {1, 2, 3});
    assertTrue(
        Files.readString(RunReport.write(s, dir.resolve("b"), Map.of()))
            .contains("![capture page](capture.png)"));
  }
}
