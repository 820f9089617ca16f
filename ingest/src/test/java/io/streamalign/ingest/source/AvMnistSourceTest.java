package io.streamalign.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import io.streamalign.ingest.producer.AvProducer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link AvMnistSource} on the real MNIST t10k + FSDD data (skipped when the data is absent). */
class AvMnistSourceTest {

  static Mnist mnist;
  static List<Fsdd.Clip> fsdd;
  static Map<String, Integer> imageIndex = new HashMap<>();
  static Map<String, Fsdd.Clip> clipByPcm = new HashMap<>();

  @BeforeAll
  static void load() {
    Path dir = DataDir.find().orElse(null);
    Assumptions.assumeTrue(dir != null, "skipping: " + DataDir.notFoundMessage());
    mnist = Mnist.load(dir);
    fsdd = Fsdd.load(dir);
    for (int i = 0; i < mnist.size(); i++) imageIndex.put(Arrays.toString(mnist.image(i)), i);
    for (Fsdd.Clip c : fsdd) clipByPcm.put(Arrays.toString(AvProducer.pcm16le(c.pcm())), c);
  }

  static String key(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] a = new byte[d.remaining()];
    d.get(a);
    return Arrays.toString(a);
  }

  @Test
  void testSplitPairsHeldOutImagesWithTestClipsOfTheSameDigitOncePerPass() {
    SourceOptions o =
        SourceOptions.defaults("avm").withStreams(3).withRate(0).withStartTimeMs(1_000_000);
    AvMnistSource src =
        new AvMnistSource(new CollectingSink(), o, mnist, fsdd, AvMnistSource.Split.TEST);
    Set<Integer> images = new HashSet<>();
    for (long seq = 0; ; seq++) {
      boolean any = false;
      for (int s = 0; s < 3; s++) {
        Moment m = src.moment(s, seq, 1_000_000 + seq * 100);
        if (m == null) continue;
        any = true;
        assertEquals("avm-" + s, m.streamId());
        assertEquals(seq, m.video().getSeq());
        assertEquals(seq, m.audio().getSeq());
        assertEquals(seq, m.text().getSeq());
        assertEquals(m.video().getEventTimeMs(), m.audio().getEventTimeMs());
        assertEquals(m.video().getEventTimeMs(), m.label().getStartTimeMs());
        int image = imageIndex.get(key(m.video().getData()));
        assertTrue(image >= 8000, "test split uses held-out images only: " + image);
        assertTrue(images.add(image), "image " + image + " twice in one pass");
        Fsdd.Clip clip = clipByPcm.get(key(m.audio().getData()));
        assertTrue(clip.isTest(), "test split uses FSDD test clips only");
        assertEquals(mnist.label(image), clip.digit(), "image and clip show the same digit");
        assertEquals(Integer.toString(clip.digit()), m.label().getClassName());
        assertEquals(clip.word(), m.text().getText());
        assertEquals(8000, m.audio().getSampleRate());
        assertEquals(28, m.video().getWidth());
      }
      if (!any) break;
    }
    assertEquals(2000, images.size());
  }

  @Test
  void trainSplitUsesTrainImagesAndClipsAndIsSeeded() {
    SourceOptions o =
        SourceOptions.defaults("avm").withRate(0).withStartTimeMs(1_000_000).withSeed(7);
    AvMnistSource a =
        new AvMnistSource(new CollectingSink(), o, mnist, fsdd, AvMnistSource.Split.TRAIN);
    AvMnistSource b =
        new AvMnistSource(new CollectingSink(), o, mnist, fsdd, AvMnistSource.Split.TRAIN);
    AvMnistSource c =
        new AvMnistSource(
            new CollectingSink(), o.withSeed(8), mnist, fsdd, AvMnistSource.Split.TRAIN);
    List<Integer> seqA = new ArrayList<>();
    List<Integer> seqC = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Moment ma = a.moment(0, i, i);
      Moment mb = b.moment(0, i, i);
      int image = imageIndex.get(key(ma.video().getData()));
      assertTrue(image < 8000);
      assertTrue(!clipByPcm.get(key(ma.audio().getData())).isTest());
      assertEquals(key(ma.audio().getData()), key(mb.audio().getData()), "same seed, same pairs");
      seqA.add(image);
      seqC.add(imageIndex.get(key(c.moment(0, i, i).video().getData())));
    }
    assertTrue(!seqA.equals(seqC), "another seed gives another order");
  }

  @Test
  void runsPacedThroughASinkUntilTheLimitAndReportsProgress() {
    CollectingSink sink = new CollectingSink();
    List<SourceProgress> reports = new ArrayList<>();
    SourceOptions o =
        SourceOptions.defaults("avm")
            .withStreams(2)
            .withRate(200)
            .withMaxMomentsPerStream(20)
            .withProgress(reports::add, java.time.Duration.ofMillis(20));
    try (AvMnistSource src = new AvMnistSource(sink, o, mnist, fsdd, AvMnistSource.Split.TEST)) {
      src.start();
      SourceProgress p = src.await(java.time.Duration.ofSeconds(20));
      assertEquals(40, p.moments());
      assertEquals(160, p.records());
      assertEquals(0, p.failures());
      assertTrue(p.done());
      assertTrue(p.elapsedMs() >= 90, "paced at 200/s per stream: " + p.elapsedMs());
    }
    assertEquals(40, sink.frames.size());
    assertEquals(40, sink.labels.size());
    assertTrue(reports.get(reports.size() - 1).done());
    long t0 = sink.frames.get(0).getEventTimeMs();
    assertEquals(t0 + 5, sink.frames.get(2).getEventTimeMs(), "event times 1/rate apart");
    assertNull(
        new AvMnistSource(sink, o.withLoop(false), mnist, fsdd, AvMnistSource.Split.TEST)
            .moment(0, 1000, 0));
  }
}
