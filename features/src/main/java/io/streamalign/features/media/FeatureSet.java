package io.streamalign.features.media;

import io.streamalign.features.AudioFeatureConfig;
import io.streamalign.features.AudioFeaturizer;
import io.streamalign.features.FeatureException;
import io.streamalign.features.TextFeaturizer;
import io.streamalign.features.VideoFeatureConfig;
import io.streamalign.features.VideoFeaturizer;
import io.streamalign.features.data.Wav;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The one definition of how raw media become model features: the video, audio and text featurizers
 * with the configurations the model is trained on. The pairing application (ingest) featurizes
 * every frame, chunk and caption with {@link #defaults()}, and so does serving's {@code POST
 * /predict} for uploaded media, so a prediction from HTTP sees exactly the features a streamed
 * moment would. Stateless after construction; one instance serves every thread.
 */
public final class FeatureSet {

  private final VideoFeaturizer video;
  private final AudioFeaturizer audio;
  private final TextFeaturizer text;

  public FeatureSet(VideoFeaturizer video, AudioFeaturizer audio, TextFeaturizer text) {
    this.video = video;
    this.audio = audio;
    this.text = text;
  }

  /**
   * The featurizers with their default configurations (what pairing uses and the model expects).
   */
  public static FeatureSet defaults() {
    return new FeatureSet(
        new VideoFeaturizer(VideoFeatureConfig.defaults()),
        new AudioFeaturizer(AudioFeatureConfig.defaults()),
        new TextFeaturizer(TextFeaturizer.DEFAULT_VOCAB));
  }

  public VideoFeaturizer video() {
    return video;
  }

  public AudioFeaturizer audio() {
    return audio;
  }

  public TextFeaturizer text() {
    return text;
  }

  /**
   * Features of an encoded image file, PNG or JPEG (told apart by its first bytes), as pairing
   * featurizes a {@code VideoFrame} of that encoding.
   *
   * @throws FeatureException when the bytes are neither PNG nor JPEG or do not decode
   */
  public float[] image(byte[] encoded) {
    return video.featurize(0, 0, video.config().channels(), imageEncoding(encoded), encoded);
  }

  /** "PNG" or "JPEG" from the file's signature. */
  public static String imageEncoding(byte[] b) {
    if (b != null
        && b.length >= 8
        && (b[0] & 0xff) == 0x89
        && b[1] == 'P'
        && b[2] == 'N'
        && b[3] == 'G') return "PNG";
    if (b != null
        && b.length >= 3
        && (b[0] & 0xff) == 0xFF
        && (b[1] & 0xff) == 0xD8
        && (b[2] & 0xff) == 0xFF) return "JPEG";
    throw new FeatureException(
        "not a PNG or JPEG image (" + (b == null ? 0 : b.length) + " bytes, unknown signature)");
  }

  /**
   * Features of a WAV file (PCM16, any rate and channel count the audio featurizer takes), as
   * pairing featurizes an {@code AudioChunk} of the same samples.
   *
   * @throws FeatureException or IllegalArgumentException when the bytes are not a readable WAV
   */
  public float[] wav(byte[] wavFile) {
    Wav.Audio a = Wav.parse(wavFile);
    ByteBuffer pcm = ByteBuffer.allocate(a.samples().length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : a.samples()) pcm.putShort(s);
    return audio.featurizePcm16le(pcm.array(), a.sampleRate(), a.channels());
  }

  /** Hashed bag-of-words features of a caption or transcript. */
  public float[] text(String s) {
    if (s == null) throw new FeatureException("text is null");
    return text.featurize(s);
  }

  public int[] videoShape() {
    return video.shape();
  }

  public int[] audioShape() {
    return audio.shape();
  }

  public int[] textShape() {
    return new int[] {text.vocab()};
  }
}
