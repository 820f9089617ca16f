package io.streamalign.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One featurizer instance shared by several threads (as Kafka Streams threads share it) gives
 * identical results.
 */
class ThreadSafetyTest {

  @Test
  @Timeout(30)
  void sharedFeaturizersAreDeterministicAcrossThreads() throws Exception {
    AudioFeaturizer audio = new AudioFeaturizer();
    VideoFeaturizer video = new VideoFeaturizer();
    TextFeaturizer text = new TextFeaturizer(1024, true);
    short[] pcm = Signals.noise(6000, 11, 9000);
    byte[] px = new byte[56 * 56];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 7);
    }
    float[] a0 = audio.featurize(pcm, 8000);
    float[] v0 = video.featurize(56, 56, 1, "RAW8", px);
    float[] t0 = text.featurize("seven eight nine");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int k = 0; k < 16; k++) {
        fs.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < 5; r++) {
                    assertArrayEquals(a0, audio.featurize(pcm, 8000));
                    assertArrayEquals(v0, video.featurize(56, 56, 1, "RAW8", px));
                    assertArrayEquals(t0, text.featurize("seven eight nine"));
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
