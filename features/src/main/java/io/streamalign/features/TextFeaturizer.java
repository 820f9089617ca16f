package io.streamalign.features;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Hashed bag-of-words featurizer for text.
 *
 * <p>The text is lower-cased ({@link Locale#ROOT}) and split into tokens at every code point that
 * is not a letter or digit ({@link Character#isLetterOrDigit(int)}). Each token's UTF-8 bytes are
 * hashed with MurmurHash3 x86 32-bit (seed {@value #SEED}; stable across JVMs and runs, unlike
 * {@code String.hashCode}) into one of {@code vocab} buckets (unsigned remainder). Optionally each
 * adjacent word pair is hashed too, as {@code "w1 w2"}. The bucket counts are L2-normalized; text
 * without any token gives the all-zero vector.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TextFeaturizer {
  /** Default number of hash buckets. */
  public static final int DEFAULT_VOCAB = 1024;

  /** MurmurHash3 seed. */
  public static final int SEED = 0x5eed1234;

  private final int vocab;
  private final boolean bigrams;

  public TextFeaturizer(int vocab, boolean bigrams) {
    if (vocab < 1) {
      throw new IllegalArgumentException("vocab must be >= 1: " + vocab);
    }
    this.vocab = vocab;
    this.bigrams = bigrams;
  }

  /** Unigrams only. */
  public TextFeaturizer(int vocab) {
    this(vocab, false);
  }

  /** {@value #DEFAULT_VOCAB} buckets, unigrams only. */
  public TextFeaturizer() {
    this(DEFAULT_VOCAB, false);
  }

  public int vocab() {
    return vocab;
  }

  public boolean bigrams() {
    return bigrams;
  }

  /**
   * Hashed, L2-normalized term counts of {@code text}, length {@link #vocab()}.
   *
   * @throws FeatureException if {@code text} is null
   */
  public float[] featurize(String text) {
    if (text == null) {
      throw new FeatureException("text is null");
    }
    List<String> tokens = tokens(text);
    double[] counts = new double[vocab];
    for (String t : tokens) {
      counts[bucket(t)]++;
    }
    if (bigrams) {
      for (int i = 1; i < tokens.size(); i++) {
        counts[bucket(tokens.get(i - 1) + " " + tokens.get(i))]++;
      }
    }
    double norm = 0;
    for (double c : counts) {
      norm += c * c;
    }
    norm = Math.sqrt(norm);
    float[] out = new float[vocab];
    if (norm > 0) {
      for (int i = 0; i < vocab; i++) {
        out[i] = (float) (counts[i] / norm);
      }
    }
    return out;
  }

  /** Bucket of one token (or bigram {@code "w1 w2"}). */
  public int bucket(String token) {
    return Integer.remainderUnsigned(murmur3(token.getBytes(StandardCharsets.UTF_8), SEED), vocab);
  }

  /** Lower-cased tokens: maximal runs of letters and digits. */
  public static List<String> tokens(String text) {
    String s = text.toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (Character.isLetterOrDigit(cp)) {
        cur.appendCodePoint(cp);
      } else if (cur.length() > 0) {
        out.add(cur.toString());
        cur.setLength(0);
      }
      i += Character.charCount(cp);
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /** MurmurHash3 x86 32-bit (Austin Appleby, public domain). */
  public static int murmur3(byte[] data, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = seed;
    int n = data.length & ~3;
    for (int i = 0; i < n; i += 4) {
      int k =
          (data[i] & 0xff)
              | (data[i + 1] & 0xff) << 8
              | (data[i + 2] & 0xff) << 16
              | (data[i + 3] & 0xff) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int k = 0;
    switch (data.length & 3) {
      case 3:
        k ^= (data[n + 2] & 0xff) << 16;
      // fall through
      case 2:
        k ^= (data[n + 1] & 0xff) << 8;
      // fall through
      case 1:
        k ^= data[n] & 0xff;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
