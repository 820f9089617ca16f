package io.streamalign.bench;

import io.streamalign.model.CrossModalLearner;
import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The served model's forward cost per event at several micro-batch sizes, in one process: a
 * restored snapshot of the default learner (video 28x28 and audio 40x64 inputs, as serving gets
 * them) predicts batches of each size in turn, 64 events per size and round, and the probe prints
 * the p10, p50 and p90 per-event time of each size. Sizes alternate, so a slow phase of the machine
 * falls on all of them. README "Native memory" quotes it: run it with and without the glibc malloc
 * settings to see what they change. Run (after {@code ./mvnw -o -B -q install -DskipTests}):
 *
 * <pre>
 * MALLOC_ARENA_MAX=2 GLIBC_TUNABLES=... java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1
 *   -Dai.djl.pytorch.num_interop_threads=1 -Dsizes=1,16,64
 *   -cp app/target/streamalign.jar:bench/target/test-classes io.streamalign.bench.ForwardBatchProbe
 * </pre>
 */
public final class ForwardBatchProbe {

  private ForwardBatchProbe() {}

  public static void main(String[] args) {
    int[] sizes =
        Arrays.stream(System.getProperty("sizes", "1,16,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int rounds = Integer.getInteger("rounds", 60);
    Random r = new Random(1);
    List<Sample> train = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      train.add(
          new Sample(
              "s" + i,
              "st",
              i,
              features(r),
              "c" + (i % 3),
              EnumSet.of(Modality.VIDEO, Modality.AUDIO),
              null));
    }
    List<Sample> pool = new ArrayList<>();
    for (int i = 0; i < 64; i++) pool.add(Sample.unlabeled("u" + i, features(r)));
    Map<Integer, List<Double>> perEvent = new TreeMap<>();
    try (CrossModalLearner learner = CrossModalLearner.create(LearnerConfig.defaults())) {
      learner.learn(train);
      try (CrossModalLearner served = CrossModalLearner.restore(learner.snapshot(Map.of()))) {
        for (int round = 0; round < rounds; round++) {
          for (int n : sizes) {
            for (int k = 0; k < Math.max(1, 64 / n); k++) {
              long t = System.nanoTime();
              served.predictBatch(pool.subList(0, Math.min(n, pool.size())));
              double ms = (System.nanoTime() - t) / 1e6 / n;
              if (round >= 5) perEvent.computeIfAbsent(n, x -> new ArrayList<>()).add(ms);
            }
          }
        }
      }
    }
    System.out.println(
        "MALLOC_ARENA_MAX="
            + System.getenv("MALLOC_ARENA_MAX")
            + " GLIBC_TUNABLES="
            + System.getenv("GLIBC_TUNABLES"));
    perEvent.forEach(
        (n, v) -> {
          Collections.sort(v);
          System.out.printf(
              Locale.ROOT,
              "batch %d: ms per event p10 %.3f p50 %.3f p90 %.3f%n",
              n,
              v.get(v.size() / 10),
              v.get(v.size() / 2),
              v.get(v.size() * 9 / 10));
        });
  }

  private static Map<Modality, float[]> features(Random r) {
    Map<Modality, float[]> f = new EnumMap<>(Modality.class);
    f.put(Modality.VIDEO, random(r, 28 * 28));
    f.put(Modality.AUDIO, random(r, 40 * 64));
    return f;
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat();
    return x;
  }
}
