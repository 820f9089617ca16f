package io.streamalign.ingest.pairing;

import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.TextFeaturizer;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.media.FeatureSet;

/**
 * The three featurizers pairing uses, with the output shapes written into each {@link
 * io.streamalign.schemas.avro.FeatureTensor}. The features module's classes are stateless after
 * construction, so one instance serves every stream thread.
 */
public interface Featurizers {

  /** Features of one frame: channels x height x width. */
  float[] video(int width, int height, int channels, String encoding, byte[] data);

  /** Features of PCM16 little-endian interleaved audio: melBands x frames. */
  float[] audio(byte[] pcm16le, int sampleRate, int channels);

  /** Hashed bag-of-words features: vocab. */
  float[] text(String text);

  int[] videoShape();

  int[] audioShape();

  int[] textShape();

  /**
   * The features module's {@link FeatureSet#defaults()} (what the model expects; serving's {@code
   * POST /predict} featurizes uploaded media with the same set).
   */
  static Featurizers defaults() {
    FeatureSet f = FeatureSet.defaults();
    return of(f.video(), f.audio(), f.text());
  }

  /** Wraps given featurizers. */
  static Featurizers of(VideoFeaturizer v, AudioFeaturizer a, TextFeaturizer t) {
    int[] vs = v.shape().clone();
    int[] as = a.shape().clone();
    int[] ts = {t.vocab()};
    return new Featurizers() {
      @Override
      public float[] video(int width, int height, int channels, String encoding, byte[] data) {
        return v.featurize(width, height, channels, encoding, data);
      }

      @Override
      public float[] audio(byte[] pcm16le, int sampleRate, int channels) {
        return a.featurizePcm16le(pcm16le, sampleRate, channels);
      }

      @Override
      public float[] text(String text) {
        return t.featurize(text);
      }

      @Override
      public int[] videoShape() {
        return vs.clone();
      }

      @Override
      public int[] audioShape() {
        return as.clone();
      }

      @Override
      public int[] textShape() {
        return ts.clone();
      }
    };
  }
}
