package io.streamalign.app.dashboard;

import io.streamalign.schemas.Json;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.Prediction;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.TrainerMetrics;
import io.streamalign.schemas.avro.VideoFrame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * What the dashboard and the run report show, built only from what StreamAlign publishes to Kafka:
 * {@code TrainerMetrics} (learning curves), {@code Prediction} (latency, versions, recent
 * predictions) and the raw {@code VideoFrame}/{@code AudioChunk}/{@code TextSegment} records (to
 * show the frame, waveform and caption a prediction was made from). Thread-safe; bounded memory.
 */
public final class DashboardState {

  /** One point of the learning curves. */
  public record MetricPoint(
      long timeMs,
      long version,
      long samplesSeen,
      double samplesPerSec,
      Map<String, Double> accuracy,
      double rho,
      double beta,
      double gamma,
      Map<String, Double> losses,
      long consumerLag,
      long snapshotBytes,
      long skippedNonFinite,
      long driftEvents) {}

  /** One recent prediction, with what it was made from when the raw records are still at hand. */
  public record PredictionView(
      String streamId,
      String sampleId,
      String label,
      String trueLabel,
      double score,
      long modelVersion,
      long latencyMs,
      List<String> modalities,
      long eventTimeMs,
      long publishTimeMs,
      String framePng,
      float[] waveform,
      String caption) {}

  private static final int MAX_POINTS = 2_000;
  private static final int MAX_LATENCIES = 5_000;
  private static final int MAX_RECENT = 12;
  private static final int RAW_PER_STREAM = 64;
  private static final int MAX_STREAMS = 256;

  private final Deque<MetricPoint> points = new ArrayDeque<>();
  private final Deque<long[]> latencies = new ArrayDeque<>(); // {publishTimeMs, latencyMs}
  private final Deque<PredictionView> recent = new ArrayDeque<>();
  private final Map<String, TreeMap<Long, VideoFrame>> frames =
      new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, TreeMap<Long, AudioChunk>> audio = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, TreeMap<Long, String>> captions = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<Long, Long> firstSeenVersion = new TreeMap<>();
  private long predictions;
  private long correct;
  private long labeledPredictions;
  private long maxPredictionVersion = -1;
  private final java.util.Set<String> classesSeen = new java.util.TreeSet<>();

  /**
   * Every class name a prediction offered (label, top-k, true label) or a support example enrolled.
   */
  private final java.util.Set<String> classNames = new java.util.TreeSet<>();

  private final Map<String, Deque<StreamPrediction>> byStream =
      new LinkedHashMap<>(16, 0.75f, true);
  private long predictionSeq;
  private static final int PER_STREAM = 20;
  private static final int MAX_CLASS_NAMES = 1000;

  /**
   * One prediction of a stream, numbered ({@code n}) in arrival order across all streams so that a
   * follower can ask for what is new since the last one it saw.
   */
  public record StreamPrediction(
      long n,
      String sampleId,
      String label,
      double score,
      List<String> topK,
      List<Double> topScores,
      String trueLabel,
      long modelVersion,
      long servingLatencyMs,
      long eventTimeMs,
      long publishTimeMs,
      List<String> modalities) {
    /** Event time to prediction publish time: what a person in front of the camera waits. */
    public long endToEndMs() {
      return publishTimeMs - eventTimeMs;
    }
  }

  public synchronized void onMetrics(TrainerMetrics m) {
    points.addLast(
        new MetricPoint(
            m.getTimeMs(),
            m.getVersion(),
            m.getSamplesSeen(),
            m.getSamplesPerSec(),
            new TreeMap<>(m.getPrequentialAccuracy()),
            m.getRho(),
            m.getBeta(),
            m.getGamma(),
            new TreeMap<>(m.getLosses()),
            m.getConsumerLag(),
            m.getSnapshotBytes(),
            m.getSkippedNonFinite(),
            m.getDriftEvents()));
    while (points.size() > MAX_POINTS) points.removeFirst();
  }

  public synchronized void onFrame(VideoFrame f) {
    put(frames, f.getStreamId(), f.getEventTimeMs(), f);
  }

  public synchronized void onAudio(AudioChunk a) {
    put(audio, a.getStreamId(), a.getEventTimeMs(), a);
  }

  public synchronized void onText(TextSegment t) {
    put(captions, t.getStreamId(), t.getEventTimeMs(), t.getText());
  }

  public synchronized void onPrediction(Prediction p) {
    predictions++;
    if (p.getTrueLabel() != null) {
      classesSeen.add(p.getTrueLabel());
      labeledPredictions++;
      if (p.getTrueLabel().equals(p.getLabel())) correct++;
    }
    maxPredictionVersion = Math.max(maxPredictionVersion, p.getModelVersion());
    firstSeenVersion.putIfAbsent(p.getModelVersion(), p.getPublishTimeMs());
    latencies.addLast(new long[] {p.getPublishTimeMs(), p.getLatencyMs()});
    while (latencies.size() > MAX_LATENCIES) latencies.removeFirst();
    String stream = p.getStreamId();
    VideoFrame frame = nearest(frames.get(stream), p.getEventTimeMs());
    AudioChunk chunk = nearest(audio.get(stream), p.getEventTimeMs());
    String caption = nearest(captions.get(stream), p.getEventTimeMs());
    List<String> mods = new ArrayList<>();
    p.getModalitiesUsed().forEach(m -> mods.add(m.name()));
    List<String> top = new ArrayList<>();
    List<Double> topScores = new ArrayList<>();
    p.getTopK()
        .forEach(
            c -> {
              top.add(c.getClassName());
              topScores.add(c.getScore());
            });
    addClassName(p.getLabel());
    top.forEach(this::addClassName);
    if (p.getTrueLabel() != null) addClassName(p.getTrueLabel());
    Deque<StreamPrediction> mine = byStream.computeIfAbsent(stream, k -> new ArrayDeque<>());
    mine.addLast(
        new StreamPrediction(
            ++predictionSeq,
            p.getSampleId(),
            p.getLabel(),
            p.getScore(),
            top,
            topScores,
            p.getTrueLabel(),
            p.getModelVersion(),
            p.getLatencyMs(),
            p.getEventTimeMs(),
            p.getPublishTimeMs(),
            mods));
    while (mine.size() > PER_STREAM) mine.removeFirst();
    if (byStream.size() > MAX_STREAMS) byStream.remove(byStream.keySet().iterator().next());
    recent.addFirst(
        new PredictionView(
            stream,
            p.getSampleId(),
            p.getLabel(),
            p.getTrueLabel(),
            p.getScore(),
            p.getModelVersion(),
            p.getLatencyMs(),
            mods,
            p.getEventTimeMs(),
            p.getPublishTimeMs(),
            frame == null ? null : framePng(frame),
            chunk == null ? null : waveform(chunk, 160),
            caption));
    while (recent.size() > MAX_RECENT) recent.removeLast();
  }

  /** A class enrolled through the support topic. */
  public synchronized void onSupportClass(String className) {
    addClassName(className);
  }

  private void addClassName(String c) {
    if (c != null && !c.isBlank() && classNames.size() < MAX_CLASS_NAMES) classNames.add(c);
  }

  /** Class names the served model offered or that were enrolled, sorted. */
  public synchronized java.util.Set<String> classNames() {
    return new java.util.TreeSet<>(classNames);
  }

  /**
   * The predictions of {@code streamId} numbered above {@code afterN}, oldest first (at most the
   * last 20).
   */
  public synchronized List<StreamPrediction> predictionsOf(String streamId, long afterN) {
    Deque<StreamPrediction> d = byStream.get(streamId);
    if (d == null) return List.of();
    List<StreamPrediction> out = new ArrayList<>();
    for (StreamPrediction p : d) if (p.n() > afterN) out.add(p);
    return out;
  }

  /** JSON of one stream prediction (for the capture page). */
  public static String toJson(StreamPrediction p) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"n\":")
        .append(p.n())
        .append(",\"sampleId\":")
        .append(str(p.sampleId()))
        .append(",\"label\":")
        .append(str(p.label()))
        .append(",\"score\":")
        .append(num(p.score()))
        .append(",\"trueLabel\":")
        .append(str(p.trueLabel()))
        .append(",\"version\":")
        .append(p.modelVersion())
        .append(",\"servingLatency\":")
        .append(p.servingLatencyMs())
        .append(",\"latency\":")
        .append(p.endToEndMs())
        .append(",\"eventTime\":")
        .append(p.eventTimeMs())
        .append(",\"modalities\":")
        .append(strs(p.modalities()))
        .append(",\"topK\":[");
    for (int i = 0; i < p.topK().size(); i++) {
      if (i > 0) sb.append(',');
      sb.append("{\"label\":")
          .append(str(p.topK().get(i)))
          .append(",\"score\":")
          .append(num(p.topScores().get(i)))
          .append('}');
    }
    return sb.append("]}").toString();
  }

  /**
   * What the capture page shows besides its own predictions: class names, trained and served
   * versions, and the last {@code maxPoints} points of prequential accuracy and rho.
   */
  public synchronized String captureJson(int maxPoints) {
    StringBuilder sb = new StringBuilder(4096);
    MetricPoint last = points.peekLast();
    sb.append("{\"classes\":").append(strs(new ArrayList<>(classNames)));
    sb.append(",\"trainedVersion\":").append(last == null ? -1 : last.version());
    sb.append(",\"servedVersion\":").append(maxPredictionVersion);
    sb.append(",\"samples\":").append(last == null ? 0 : last.samplesSeen());
    sb.append(",\"points\":[");
    List<MetricPoint> ps = new ArrayList<>(points);
    int from = Math.max(0, ps.size() - maxPoints);
    for (int i = from; i < ps.size(); i++) {
      MetricPoint p = ps.get(i);
      if (i > from) sb.append(',');
      sb.append("{\"t\":")
          .append(p.timeMs())
          .append(",\"n\":")
          .append(p.samplesSeen())
          .append(",\"rho\":")
          .append(num(p.rho()))
          .append(",\"acc\":")
          .append(map(p.accuracy()))
          .append('}');
    }
    return sb.append("]}").toString();
  }

  public synchronized List<MetricPoint> points() {
    return new ArrayList<>(points);
  }

  public synchronized List<PredictionView> recentPredictions() {
    return new ArrayList<>(recent);
  }

  public synchronized long predictionCount() {
    return predictions;
  }

  /** Accuracy of served predictions whose sample carried a true label, or NaN. */
  public synchronized double servedAccuracy() {
    return labeledPredictions == 0 ? Double.NaN : (double) correct / labeledPredictions;
  }

  /** The true class names seen in labeled predictions. */
  public synchronized java.util.Set<String> classesSeen() {
    return new java.util.TreeSet<>(classesSeen);
  }

  public synchronized long maxPredictionVersion() {
    return maxPredictionVersion;
  }

  /** Model versions seen in predictions, with the time each was first served. */
  public synchronized Map<Long, Long> versionsServed() {
    return new TreeMap<>(firstSeenVersion);
  }

  /** Latency percentile (0-100) over the most recent predictions, or NaN. */
  public synchronized double latencyPercentile(double pct) {
    return percentile(latencies.stream().mapToLong(l -> l[1]).sorted().toArray(), pct);
  }

  /**
   * Latency percentile (0-100) over the most recent predictions of events that happened after the
   * first prediction was published, or NaN: without the start-up, when samples wait for the first
   * model (the trainer publishes it after its first batches).
   */
  public synchronized double steadyLatencyPercentile(double pct) {
    if (firstSeenVersion.isEmpty()) return Double.NaN;
    long first = java.util.Collections.min(firstSeenVersion.values());
    return percentile(
        latencies.stream()
            .filter(l -> l[0] - l[1] >= first)
            .mapToLong(l -> l[1])
            .sorted()
            .toArray(),
        pct);
  }

  private static double percentile(long[] sorted, double pct) {
    if (sorted.length == 0) return Double.NaN;
    int idx = (int) Math.ceil(pct / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  /** The latest learning-curve point, or null. */
  public synchronized MetricPoint latest() {
    return points.peekLast();
  }

  private static <T> void put(
      Map<String, TreeMap<Long, T>> byStream, String stream, long t, T value) {
    TreeMap<Long, T> m = byStream.computeIfAbsent(stream, s -> new TreeMap<>());
    m.put(t, value);
    while (m.size() > RAW_PER_STREAM) m.pollFirstEntry();
    if (byStream.size() > MAX_STREAMS) {
      String eldest = byStream.keySet().iterator().next();
      byStream.remove(eldest);
    }
  }

  private static <T> T nearest(TreeMap<Long, T> m, long t) {
    if (m == null || m.isEmpty()) return null;
    Map.Entry<Long, T> lo = m.floorEntry(t);
    Map.Entry<Long, T> hi = m.ceilingEntry(t);
    if (lo == null) return hi.getValue();
    if (hi == null) return lo.getValue();
    return (t - lo.getKey() <= hi.getKey() - t) ? lo.getValue() : hi.getValue();
  }

  /** A frame as a base64 PNG (RAW8 / RGB24 rendered; PNG / JPEG passed through as image data). */
  static String framePng(VideoFrame f) {
    byte[] data = toArray(f.getData());
    String enc = f.getEncoding().name();
    try {
      if (enc.equals("PNG"))
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(data);
      if (enc.equals("JPEG"))
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(data);
      int w = f.getWidth();
      int h = f.getHeight();
      int c = f.getChannels();
      if (w <= 0 || h <= 0 || (long) w * h * c != data.length) return null;
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int i = (y * w + x) * c;
          int r = data[i] & 0xff;
          int g = c >= 3 ? data[i + 1] & 0xff : r;
          int b = c >= 3 ? data[i + 2] & 0xff : r;
          img.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Peak envelope of PCM16 LE audio in {@code n} buckets, in [0, 1]. */
  static float[] waveform(AudioChunk a, int n) {
    byte[] data = toArray(a.getData());
    int channels = Math.max(1, a.getChannels());
    int samples = data.length / 2 / channels;
    if (samples == 0) return new float[0];
    ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    float[] env = new float[Math.min(n, samples)];
    int per = (int) Math.ceil(samples / (double) env.length);
    for (int i = 0; i < samples; i++) {
      float v = Math.abs(bb.getShort(i * 2 * channels) / 32768f);
      int b = Math.min(env.length - 1, i / per);
      if (v > env[b]) env[b] = v;
    }
    return env;
  }

  private static byte[] toArray(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  /**
   * JSON of the whole state for the dashboard (hand-written to keep the app free of a JSON
   * library).
   */
  public synchronized String toJson(int maxPoints) {
    StringBuilder sb = new StringBuilder(16_384);
    sb.append('{');
    MetricPoint last = points.peekLast();
    sb.append("\"predictions\":").append(predictions);
    sb.append(",\"servedAccuracy\":").append(num(servedAccuracy()));
    sb.append(",\"latencyP50\":").append(num(latencyPercentile(50)));
    sb.append(",\"latencyP99\":").append(num(latencyPercentile(99)));
    sb.append(",\"servedVersion\":").append(maxPredictionVersion);
    sb.append(",\"trainedVersion\":").append(last == null ? -1 : last.version());
    sb.append(",\"points\":[");
    List<MetricPoint> ps = new ArrayList<>(points);
    int from = Math.max(0, ps.size() - maxPoints);
    for (int i = from; i < ps.size(); i++) {
      MetricPoint p = ps.get(i);
      if (i > from) sb.append(',');
      sb.append("{\"t\":")
          .append(p.timeMs())
          .append(",\"v\":")
          .append(p.version())
          .append(",\"n\":")
          .append(p.samplesSeen())
          .append(",\"sps\":")
          .append(num(p.samplesPerSec()))
          .append(",\"rho\":")
          .append(num(p.rho()))
          .append(",\"beta\":")
          .append(num(p.beta()))
          .append(",\"gamma\":")
          .append(num(p.gamma()))
          .append(",\"lag\":")
          .append(p.consumerLag())
          .append(",\"acc\":")
          .append(map(p.accuracy()))
          .append(",\"loss\":")
          .append(map(p.losses()))
          .append('}');
    }
    sb.append("],\"latency\":[");
    List<long[]> ls = new ArrayList<>(latencies);
    int lfrom = Math.max(0, ls.size() - 400);
    for (int i = lfrom; i < ls.size(); i++) {
      if (i > lfrom) sb.append(',');
      sb.append('[').append(ls.get(i)[0]).append(',').append(ls.get(i)[1]).append(']');
    }
    sb.append("],\"recent\":[");
    boolean first = true;
    for (PredictionView r : recent) {
      if (!first) sb.append(',');
      first = false;
      sb.append("{\"stream\":")
          .append(str(r.streamId()))
          .append(",\"label\":")
          .append(str(r.label()))
          .append(",\"trueLabel\":")
          .append(str(r.trueLabel()))
          .append(",\"score\":")
          .append(num(r.score()))
          .append(",\"version\":")
          .append(r.modelVersion())
          .append(",\"latency\":")
          .append(r.latencyMs())
          .append(",\"modalities\":")
          .append(strs(r.modalities()))
          .append(",\"frame\":")
          .append(str(r.framePng()))
          .append(",\"caption\":")
          .append(str(r.caption()))
          .append(",\"wave\":")
          .append(r.waveform() == null ? "null" : floats(r.waveform()))
          .append('}');
    }
    sb.append("]}");
    return sb.toString();
  }

  static String num(double d) {
    return Double.isFinite(d)
        ? (d == Math.rint(d) && Math.abs(d) < 1e15
            ? Long.toString((long) d)
            : String.format(java.util.Locale.ROOT, "%.5g", d))
        : "null";
  }

  /** A JSON string literal (or {@code null}), escaped by the shared Jackson mapper. */
  static String str(String s) {
    return s == null ? "null" : Json.write(s);
  }

  private static String strs(List<String> l) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(str(l.get(i)));
    }
    return sb.append(']').toString();
  }

  private static String floats(float[] f) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < f.length; i++) {
      if (i > 0) sb.append(',');
      sb.append(String.format(java.util.Locale.ROOT, "%.3f", f[i]));
    }
    return sb.append(']').toString();
  }

  private static String map(Map<String, Double> m) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Double> e : new TreeMap<>(m).entrySet()) {
      if (!first) sb.append(',');
      first = false;
      sb.append(str(e.getKey()))
          .append(':')
          .append(num(e.getValue() == null ? Double.NaN : e.getValue()));
    }
    return sb.append('}').toString();
  }
}
