package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamalign.app.dashboard.RunReport;
import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.features.data.Wav;
import io.streamalign.schemas.Topic;
import io.streamalign.schemas.Topics;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.PairedSample;
import io.streamalign.schemas.avro.VideoFrame;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person teaching StreamAlign from a browser, played by headless Chromium with its fake camera
 * and microphone: {@code streamalign demo} runs the whole pipeline on its embedded broker, Chromium
 * opens the capture page the demo prints, starts capturing, holds a class button for a few seconds,
 * and enrolls a new class from the last seconds. Checked: the page's frames and audio reach {@code
 * av.video} and {@code av.audio} under its own stream id with one seq per moment and real
 * (non-silent) sound; the held class joins its moments on {@code av.paired}; predictions for that
 * stream come back to the page (read from its DOM and state through DevTools); the screenshot of
 * the page goes into the demo's report.
 *
 * <p>With the recorded data present, the fake camera plays MNIST digits and the fake microphone the
 * spoken digits of FSDD (a clip written at test time), and the demo learns AV-MNIST; without the
 * data, Chromium's own test pattern and beep and the synthetic source. Skipped, saying so, without
 * Chromium.
 */
class CapturePageIT {

  private static final Pattern CAPTURE = Pattern.compile("capture page [^:]*: (http://\\S+)");
  private static final Pattern BROKER = Pattern.compile("embedded broker at (\\S+)");
  private static final String TAUGHT = "hello";

  /**
   * How long the demo runs: the browser part needs about a minute once predictions flow, but on a
   * loaded shared 2-core machine the first snapshot and the serving backlog can take minutes.
   */
  private static final int DEMO_SECONDS = 270;

  @Test
  void aBrowserTeachesAndWatchesThroughTheWholePipeline(@TempDir Path tmp) throws Exception {
    Optional<Path> chromium = HeadlessChromium.find();
    Assumptions.assumeTrue(
        chromium.isPresent(),
        "CapturePageIT skipped: no chromium on PATH (apt-get install chromium)");
    Optional<Path> data = DataDir.find();
    Path video = null;
    Path audio = null;
    if (data.isPresent()) {
      video = tmp.resolve("digits.y4m");
      audio = tmp.resolve("digits.wav");
      writeDigitClip(data.get(), video, audio);
    } else {
      System.err.println(
          "CapturePageIT: no recorded data ("
              + DataDir.notFoundMessage()
              + "): chromium's test pattern and beep stand in for the camera and microphone");
    }

    Path report = tmp.resolve("report");
    // POSTs need a bearer token: the page takes it from the address's fragment
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, "capture-it-token\n");
    StringWriter outText = new StringWriter();
    StringWriter errText = new StringWriter();
    PrintWriter out = new PrintWriter(outText, true);
    PrintWriter err = new PrintWriter(errText, true);
    List<String> args =
        new ArrayList<>(
            List.of(
                "demo",
                "--duration",
                String.valueOf(DEMO_SECONDS),
                "--port",
                "0",
                "--report-dir",
                report.toString(),
                "--streams",
                "2",
                "--rate",
                "4",
                "--http-token-file",
                tokenFile.toString()));
    if (data.isPresent())
      args.addAll(List.of("--source", "avmnist", "--data-dir", data.get().toString()));
    long demoEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEMO_SECONDS);
    CompletableFuture<Integer> demo =
        CompletableFuture.supplyAsync(
            () -> StreamAlignCli.execute(out, err, args.toArray(String[]::new)));

    String url = await(() -> find(CAPTURE, outText.toString()), 90, demo);
    assertTrue(
        url != null, "the demo printed the capture page's address:\n" + outText + "\n" + errText);
    String bootstrap = find(BROKER, outText.toString());

    Path shots = Path.of("target", "capture-it");
    Files.createDirectories(shots);
    try (HeadlessChromium page =
        HeadlessChromium.launch(
            chromium.get(),
            tmp.resolve("chrome-profile"),
            url + "?autostart=1&fps=4&label=" + TAUGHT + "#token=capture-it-token",
            video,
            audio)) {
      // capturing: moments accepted by the server
      JsonNode st =
          awaitJs(
              page,
              "({running: capture.running, moments: capture.moments, stream: capture.stream,"
                  + " error: capture.lastError, status: document.getElementById('status').textContent})",
              s -> s.path("moments").asInt() >= 8,
              60,
              demo);
      assertTrue(
          st.path("moments").asInt() >= 8,
          "the page captured and the server accepted moments: " + st);
      String stream = st.path("stream").asText();
      Topics topics = Topics.withPrefix("av.");
      assertTrue(stream.startsWith("live-"), "the tab got its own stream id: " + stream);

      // teach: hold the class for about 5 s (20 moments at 4/s), then let go
      page.eval("capture.hold('" + TAUGHT + "')");
      Thread.sleep(5000);
      page.eval("capture.release()");
      JsonNode held = page.eval("({moments: capture.moments, labeled: capture.labeled})");
      assertTrue(held.path("labeled").asInt() >= 10, "held moments went out labeled: " + held);

      // on the topics, while the demo's broker still runs
      List<VideoFrame> frames = read(bootstrap, topics.video(), stream, f -> true, 20);
      List<AudioChunk> chunks = read(bootstrap, topics.audio(), stream, c -> true, 20);
      assertTrue(frames.size() >= 20, "frames reached av.video: " + frames.size());
      assertTrue(chunks.size() >= 20, "audio reached av.audio: " + chunks.size());
      for (int i = 0; i < frames.size(); i++)
        assertEquals(i, frames.get(i).getSeq(), "one seq per moment, 0, 1, 2, ...");
      VideoFrame f0 = frames.get(frames.size() - 1);
      assertEquals(64 * 64, f0.getData().remaining());
      long loud = chunks.stream().filter(c -> peak(c) > 1000).count();
      assertTrue(
          loud >= chunks.size() / 4,
          "the microphone's sound arrived ("
              + loud
              + " of "
              + chunks.size()
              + " chunks not silent)");
      for (AudioChunk c : chunks) {
        assertEquals(16_000, c.getSampleRate());
        VideoFrame same =
            frames.stream().filter(f -> f.getSeq() == c.getSeq()).findFirst().orElse(null);
        if (same != null)
          assertEquals(
              same.getEventTimeMs(),
              c.getEventTimeMs(),
              "frame and chunk of a moment share the event time");
      }

      // watch: predictions of this stream come back to the page (waiting until shortly before the
      // demo ends)
      JsonNode pred =
          awaitJs(
              page,
              "({n: capture.predictions, last: capture.last, shown: document.getElementById('pred').textContent,"
                  + " meta: document.getElementById('predScore').textContent})",
              s -> s.path("n").asInt() >= 3,
              (int) Math.max(10, TimeUnit.NANOSECONDS.toSeconds(demoEnd - System.nanoTime()) - 60),
              demo);
      assertTrue(
          pred.path("n").asInt() >= 3,
          "predictions for the page's stream reached the page: " + pred);
      JsonNode last = pred.path("last");
      assertTrue(
          last.path("sampleId").asText().startsWith(stream + "#"),
          "a prediction of this tab's stream: " + last);
      assertEquals(
          last.path("label").asText(),
          pred.path("shown").asText(),
          "the page shows the predicted class");
      assertTrue(
          last.path("version").asLong() >= 0 && last.path("latency").asLong() >= 0,
          last.toString());
      assertTrue(pred.path("meta").asText().contains("model v"), pred.toString());

      List<PairedSample> labeled =
          read(bootstrap, topics.paired(), stream, s -> TAUGHT.equals(s.getLabel()), 10);
      // about 20 moments were held; on a loaded machine pairing may still be working through them
      assertTrue(
          labeled.size() >= 5, "the held class joined its moments on av.paired: " + labeled.size());
      assertTrue(
          labeled.stream().anyMatch(s -> s.getVideo() != null && s.getAudio() != null),
          "labeled samples pair the frame and the chunk");

      // enroll a new class from the last 3 s of capture
      JsonNode enrolled = page.eval("capture.enroll('wave', 3, 'AUDIO,VIDEO').then(r => r.json)");
      assertTrue(
          enrolled.path("enrolled").asInt() >= 2, "enrolled from the last seconds: " + enrolled);

      // the accuracy curve and rho reached the page
      awaitJs(page, "Number(document.body.dataset.points || 0)", s -> s.asInt() > 0, 30, demo);

      page.eval("capture.hold('" + TAUGHT + "')"); // the screenshot shows a class being taught
      Thread.sleep(600);
      byte[] png = page.screenshot();
      page.eval("capture.release()");
      assertTrue(png.length > 20_000, "a screenshot of the live page: " + png.length + " bytes");
      Files.write(shots.resolve(RunReport.CAPTURE_SCREENSHOT), png);
      Files.createDirectories(report);
      Files.write(report.resolve(RunReport.CAPTURE_SCREENSHOT), png);

      System.err.println(
          "CapturePageIT: stream "
              + stream
              + ": "
              + frames.size()
              + " frames, "
              + chunks.size()
              + " chunks, "
              + labeled.size()
              + " labeled paired samples, last prediction "
              + last);
    }

    int code = demo.get(DEMO_SECONDS + 120, TimeUnit.SECONDS);
    assertEquals(0, code, "demo exit code; stderr:\n" + errText);
    String md = Files.readString(report.resolve("report.md"));
    assertTrue(
        md.contains("![capture page](" + RunReport.CAPTURE_SCREENSHOT + ")"),
        "the report shows the capture page:\n" + md);
  }

  interface Check<T> {
    T get() throws Exception;
  }

  private static <T> T await(Check<T> c, int seconds, CompletableFuture<?> demo) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    T v = c.get();
    while (v == null && System.nanoTime() < deadline && !demo.isDone()) {
      Thread.sleep(250);
      v = c.get();
    }
    return v;
  }

  private static JsonNode awaitJs(
      HeadlessChromium page,
      String js,
      Predicate<JsonNode> done,
      int seconds,
      CompletableFuture<?> demo)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode v = evalOrNull(page, js, deadline);
    while ((v == null || !done.test(v)) && System.nanoTime() < deadline && !demo.isDone()) {
      Thread.sleep(500);
      v = evalOrNull(page, js, deadline);
    }
    return v == null ? page.eval(js) : v;
  }

  /**
   * The expression's value, or null while the page throws (its script not loaded yet: the demo may
   * print the page's address before the browser has run it); after the deadline the error is
   * thrown.
   */
  private static JsonNode evalOrNull(HeadlessChromium page, String js, long deadline)
      throws Exception {
    try {
      return page.eval(js);
    } catch (AssertionError e) {
      if (System.nanoTime() >= deadline) throw e;
      return null;
    }
  }

  private static String find(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? m.group(1) : null;
  }

  private static int peak(AudioChunk c) {
    ByteBuffer b = c.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int peak = 0;
    while (b.remaining() >= 2) peak = Math.max(peak, Math.abs(b.getShort()));
    return peak;
  }

  /**
   * Records of {@code topic} keyed {@code key} that pass {@code keep}, in offset order, waiting up
   * to 30 s for {@code expected}.
   */
  private static <V> List<V> read(
      String bootstrap, Topic<String, V> topic, String key, Predicate<V> keep, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    List<V> out = new ArrayList<>();
    try (KafkaConsumer<String, V> c =
        new KafkaConsumer<>(
            p, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic.name()))
        tps.add(new TopicPartition(pi.topic(), pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      java.util.Map<TopicPartition, Long> end = new java.util.HashMap<>(c.endOffsets(tps));
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, V> r : c.poll(Duration.ofMillis(300))) {
          if (key.equals(r.key()) && keep.test(r.value())) out.add(r.value());
        }
        boolean atEnd = tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
        if (atEnd && out.size() >= expected) break;
        if (atEnd) end.putAll(c.endOffsets(tps));
      }
    }
    return out;
  }

  /**
   * A recorded clip for the fake camera and microphone: the digits 0-9, one second each, as MNIST
   * images (scaled 7x, 196 x 196, Y4M 4:2:0 at 10 frames/s) and FSDD recordings of the same digits
   * (8 kHz WAV).
   */
  static void writeDigitClip(Path dataDir, Path y4m, Path wav) throws Exception {
    Mnist mnist = Mnist.load(dataDir);
    List<Fsdd.Clip> clips = Fsdd.load(dataDir);
    int scale = 7;
    int side = 28 * scale;
    ByteArrayOutputStream v = new ByteArrayOutputStream();
    v.write(
        ("YUV4MPEG2 W" + side + " H" + side + " F10:1 Ip A1:1 C420jpeg\n")
            .getBytes(StandardCharsets.US_ASCII));
    short[] pcm = new short[8000 * 10];
    byte[] chroma = new byte[(side / 2) * (side / 2) * 2];
    Arrays.fill(chroma, (byte) 128);
    for (int d = 0; d < 10; d++) {
      int img = 0;
      while (mnist.label(img) != d) img++;
      byte[] px = mnist.image(img);
      byte[] y = new byte[side * side];
      for (int r = 0; r < side; r++) {
        for (int c = 0; c < side; c++) y[r * side + c] = px[(r / scale) * 28 + c / scale];
      }
      for (int f = 0; f < 10; f++) {
        v.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
        v.write(y);
        v.write(chroma);
      }
      final int digit = d;
      Fsdd.Clip clip =
          clips.stream()
              .filter(c -> c.digit() == digit && c.sampleRate() == 8000)
              .findFirst()
              .orElseThrow();
      System.arraycopy(clip.pcm(), 0, pcm, d * 8000, Math.min(8000, clip.pcm().length));
    }
    Files.write(y4m, v.toByteArray());
    Files.write(wav, Wav.write(pcm, 8000, 1));
  }
}
