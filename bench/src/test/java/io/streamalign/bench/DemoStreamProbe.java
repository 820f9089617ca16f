package io.streamalign.bench;

import io.streamalign.features.media.FeatureSet;
import io.streamalign.ingest.producer.AvSink;
import io.streamalign.ingest.source.Moment;
import io.streamalign.ingest.source.SourceOptions;
import io.streamalign.ingest.source.SyntheticOptions;
import io.streamalign.ingest.source.SyntheticSource;
import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.Inference;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import io.streamalign.schemas.avro.AudioChunk;
import io.streamalign.schemas.avro.LabelEvent;
import io.streamalign.schemas.avro.TextSegment;
import io.streamalign.schemas.avro.VideoFrame;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The demo's live synthetic stream through the learner without Kafka: {@code n} moments of {@code
 * SyntheticSource} (4 streams, the demo's options, seed {@code -Dseed}), featurized as pairing does
 * ({@code FeatureSet.defaults()}), labelled as pairing labels them, learned in micro-batches of 32
 * as the demo's trainer does. Before each batch is learned, every labelled moment's modalities are
 * predicted alone and together by the current model (prequential), and the accuracy is printed per
 * window of 400 moments, so a modality whose accuracy falls as it trains shows as falling windows.
 * README, "The learner", quotes its figures. Run (after {@code ./mvnw -o -B -q install
 * -DskipTests}):
 *
 * <pre>
 * java -Dai.djl.offline=true -Dn=4800 -Dseed=7 -Dlearner=videoEncoder=maxpool  *   -cp app/target/streamalign.jar:bench/target/test-classes io.streamalign.bench.DemoStreamProbe
 * </pre>
 *
 * {@code -Dlearner=k=v,k=v} overrides learner settings, {@code -Dbatch=N} sets the micro-batch (the
 * demo's trainer sends a batch after at most 300 ms, often 10 or fewer), {@code -Dmods=VIDEO} keeps
 * only the named modalities, {@code -Dlosses=true} prints each step's losses.
 */
public class DemoStreamProbe {
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(System.getProperty("n", "4800"));
    String overrides = System.getProperty("learner", "");
    LearnerConfig cfg = LearnerConfig.defaults();
    if (!overrides.isBlank()) {
      Map<String, String> kv = new LinkedHashMap<>();
      for (String x : overrides.split(",")) kv.put(x.split("=")[0], x.split("=")[1]);
      cfg = cfg.with(kv);
    }
    FeatureSet fs = FeatureSet.defaults();
    AvSink none =
        new AvSink() {
          public CompletableFuture<?> sendFrame(VideoFrame f) {
            return CompletableFuture.completedFuture(null);
          }

          public CompletableFuture<?> sendAudio(AudioChunk c) {
            return CompletableFuture.completedFuture(null);
          }

          public CompletableFuture<?> sendText(TextSegment t) {
            return CompletableFuture.completedFuture(null);
          }

          public CompletableFuture<?> sendLabel(LabelEvent l) {
            return CompletableFuture.completedFuture(null);
          }

          public void flush() {}
        };
    int streams = 4;
    long seed = Long.getLong("seed", 7);
    Map<Modality, int[]> win = new EnumMap<>(Modality.class);
    Map<String, Integer> textLabels = new java.util.TreeMap<>();
    int[] fusedWin = new int[2];
    try (SyntheticSource src =
            new SyntheticSource(
                none,
                SourceOptions.defaults("demo").withRate(0).withSeed(seed).withStreams(streams),
                SyntheticOptions.defaults());
        CrossModalLearner learner = CrossModalLearner.create(cfg)) {
      List<Sample> batch = new ArrayList<>();
      int i = 0;
      long t0 = System.currentTimeMillis();
      for (long seq = 0; i < n; seq++) {
        for (int s = 0; s < streams && i < n; s++, i++) {
          Moment m = src.moment(s, seq, 1_700_000_000_000L + 125 * seq);
          Map<Modality, float[]> f = new EnumMap<>(Modality.class);
          VideoFrame vf = m.video();
          f.put(
              Modality.VIDEO,
              fs.video()
                  .featurize(
                      vf.getWidth(),
                      vf.getHeight(),
                      vf.getChannels(),
                      vf.getEncoding().name(),
                      bytes(vf.getData())));
          AudioChunk ac = m.audio();
          f.put(
              Modality.AUDIO,
              fs.audio()
                  .featurizePcm16le(bytes(ac.getData()), ac.getSampleRate(), ac.getChannels()));
          if (m.text() != null) f.put(Modality.TEXT, fs.text().featurize(m.text().getText()));
          String keep = System.getProperty("mods", "");
          if (!keep.isEmpty()) f.keySet().removeIf(k -> !keep.contains(k.name()));
          LabelEvent l = m.label();
          String label = null;
          Set<Modality> labeled = EnumSet.noneOf(Modality.class);
          if (l != null) {
            label = l.getClassName();
            if (l.getModality() == null && f.containsKey(Modality.TEXT))
              textLabels.merge(label, 1, Integer::sum);
            if (l.getModality() == null) labeled.addAll(f.keySet());
            else labeled.add(Modality.valueOf(l.getModality().name()));
          }
          // probe: every modality alone, before learning (true class known to the probe)
          if (!learner.model().classes().isEmpty()) {
            for (Modality mod : f.keySet()) {
              Inference inf =
                  learner.model().predict(Sample.unlabeled("p", Map.of(mod, f.get(mod))));
              int[] w = win.computeIfAbsent(mod, k -> new int[2]);
              w[1]++;
              if (m.className().equals(inf.label())) w[0]++;
            }
            Inference fu = learner.model().predict(Sample.unlabeled("p", f));
            fusedWin[1]++;
            if (m.className().equals(fu.label())) fusedWin[0]++;
          }
          batch.add(
              new Sample(
                  m.streamId() + "-" + seq,
                  m.streamId(),
                  m.eventTimeMs(),
                  f,
                  label,
                  labeled,
                  label));
          if (batch.size() == Integer.getInteger("batch", 32)) {
            var rep = learner.learn(batch);
            if (Boolean.getBoolean("losses")) System.out.println(i + " " + rep.losses());
            batch.clear();
          }
          if ((i + 1) % 400 == 0) {
            StringBuilder sb =
                new StringBuilder(String.format("%5d cls=%d", i + 1, src.activeClasses(seq)));
            for (var e : win.entrySet())
              sb.append(
                  String.format(
                      " %s %.2f",
                      e.getKey(), e.getValue()[0] / (double) Math.max(1, e.getValue()[1])));
            sb.append(
                String.format(
                    " FUSED %.2f  (%ds)",
                    fusedWin[0] / (double) Math.max(1, fusedWin[1]),
                    (System.currentTimeMillis() - t0) / 1000));
            sb.append(" text-labelled per class ").append(textLabels);
            System.out.println(sb);
            win.clear();
            fusedWin[0] = fusedWin[1] = 0;
          }
        }
      }
    }
  }

  static byte[] bytes(java.nio.ByteBuffer b) {
    var d = b.duplicate();
    byte[] o = new byte[d.remaining()];
    d.get(o);
    return o;
  }
}
