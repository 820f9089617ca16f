package io.streamalign.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextFeaturizerTest {
  private final TextFeaturizer t = new TextFeaturizer();

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void murmur3KnownAnswers() {
    assertEquals(0, TextFeaturizer.murmur3(new byte[0], 0));
    assertEquals(0x514E28B7, TextFeaturizer.murmur3(new byte[0], 1));
    assertEquals(0x248bfa47, TextFeaturizer.murmur3("hello".getBytes(StandardCharsets.UTF_8), 0));
    assertEquals(
        0x2e4ff723,
        TextFeaturizer.murmur3(
            "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8), 0));
  }

  @Test
  void tokenization() {
    assertEquals(
        List.of("hello", "world", "42", "naïve", "x2"),
        TextFeaturizer.tokens("Hello, WORLD!42 naïve_x2"));
    assertEquals(List.of(), TextFeaturizer.tokens("  ,.;  "));
  }

  @Test
  void sameTextSameVectorAndUnitNorm() {
    float[] a = t.featurize("The digit seven, spoken twice: seven.");
    float[] b = new TextFeaturizer().featurize("The digit seven, spoken twice: seven.");
    assertArrayEquals(a, b);
    assertEquals(1024, a.length);
    assertEquals(1.0, norm(a), 1e-6);
    assertArrayEquals(t.featurize("seven"), t.featurize("  SEVEN!! "));
    // tokens: the digit seven spoken twice seven -> "seven" twice, 4 others once: 2/sqrt(2^2 + 4)
    assertEquals(2 / Math.sqrt(8), a[t.bucket("seven")], 1e-6);
  }

  @Test
  void digitWordsLandInDifferentBuckets() {
    Set<Integer> buckets = new HashSet<>();
    for (String w :
        List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")) {
      buckets.add(t.bucket(w));
      float[] v = t.featurize(w);
      assertEquals(1f, v[t.bucket(w)], 1e-6);
    }
    assertEquals(10, buckets.size());
    assertFalse(java.util.Arrays.equals(t.featurize("one"), t.featurize("two")));
  }

  @Test
  void bigramsDistinguishOrder() {
    TextFeaturizer bi = new TextFeaturizer(4096, true);
    assertArrayEquals(t.featurize("red car"), t.featurize("car red"));
    assertFalse(java.util.Arrays.equals(bi.featurize("red car"), bi.featurize("car red")));
    assertEquals(1.0, norm(bi.featurize("red car blue")), 1e-6);
  }

  @Test
  void emptyTextIsZeroAndNullThrows() {
    for (float v : t.featurize("")) {
      assertEquals(0f, v);
    }
    assertThrows(FeatureException.class, () -> t.featurize(null));
    assertThrows(IllegalArgumentException.class, () -> new TextFeaturizer(0));
  }
}
