package io.streamalign.ingest.source;

import java.util.List;
import java.util.Objects;

/**
 * What the synthetic scenes show and how they are labeled.
 *
 * @param classes class names in order of appearance; each must be one of {@link
 *     SceneRenderer#SHAPES}
 * @param initialClasses classes present from the start
 * @param newClassEveryMoments a further class appears every this many moments (class-incremental
 *     stream)
 * @param minSegment shortest run of moments a stream keeps one class
 * @param maxSegment longest run of moments a stream keeps one class
 * @param targetLabelsPerClass label budget of each target modality (audio, and text when a moment
 *     has a caption): a class's moments are labeled for every modality (over all streams) until it
 *     has this many labeled audio chunks and this many labeled captions; later ones are labeled for
 *     video only (or not at all)
 * @param labelVideo label every video frame
 * @param captionProbability probability that a moment carries a caption
 * @param frameSize side of the square gray frames in pixels
 * @param pixelNoise standard deviation of the Gaussian pixel noise (0-255 scale)
 */
public record SyntheticOptions(
    List<String> classes,
    int initialClasses,
    long newClassEveryMoments,
    int minSegment,
    int maxSegment,
    int targetLabelsPerClass,
    boolean labelVideo,
    double captionProbability,
    int frameSize,
    double pixelNoise) {

  public SyntheticOptions {
    classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
    if (classes.isEmpty()) throw new IllegalArgumentException("no classes");
    for (String c : classes) {
      if (!SceneRenderer.SHAPES.contains(c)) {
        throw new IllegalArgumentException(
            "unknown class '" + c + "'; known: " + SceneRenderer.SHAPES);
      }
    }
    if (classes.stream().distinct().count() != classes.size())
      throw new IllegalArgumentException("duplicate class");
    if (initialClasses < 1 || initialClasses > classes.size()) {
      throw new IllegalArgumentException(
          "initialClasses must be in [1, " + classes.size() + "]: " + initialClasses);
    }
    if (newClassEveryMoments < 1)
      throw new IllegalArgumentException("newClassEveryMoments must be >= 1");
    if (minSegment < 1 || maxSegment < minSegment)
      throw new IllegalArgumentException("bad segment lengths");
    if (targetLabelsPerClass < 0)
      throw new IllegalArgumentException("targetLabelsPerClass must be >= 0");
    if (!(captionProbability >= 0 && captionProbability <= 1)) {
      throw new IllegalArgumentException("captionProbability must be in [0, 1]");
    }
    if (frameSize < 16 || frameSize > 1024)
      throw new IllegalArgumentException("frameSize must be in [16, 1024]");
    if (!(pixelNoise >= 0 && pixelNoise <= 128))
      throw new IllegalArgumentException("pixelNoise must be in [0, 128]");
  }

  /**
   * Ten shapes, 3 at first and one more every 100 moments, 5-20 moment segments, 5 audio and 5 text
   * labels per class.
   */
  public static SyntheticOptions defaults() {
    return new SyntheticOptions(SceneRenderer.SHAPES, 3, 100, 5, 20, 5, true, 0.5, 64, 10);
  }

  public SyntheticOptions withClasses(List<String> c, int initial) {
    return new SyntheticOptions(
        c,
        initial,
        newClassEveryMoments,
        minSegment,
        maxSegment,
        targetLabelsPerClass,
        labelVideo,
        captionProbability,
        frameSize,
        pixelNoise);
  }

  public SyntheticOptions withNewClassEvery(long moments) {
    return new SyntheticOptions(
        classes,
        initialClasses,
        moments,
        minSegment,
        maxSegment,
        targetLabelsPerClass,
        labelVideo,
        captionProbability,
        frameSize,
        pixelNoise);
  }

  public SyntheticOptions withTargetLabelsPerClass(int k) {
    return new SyntheticOptions(
        classes,
        initialClasses,
        newClassEveryMoments,
        minSegment,
        maxSegment,
        k,
        labelVideo,
        captionProbability,
        frameSize,
        pixelNoise);
  }

  public SyntheticOptions withCaptionProbability(double p) {
    return new SyntheticOptions(
        classes,
        initialClasses,
        newClassEveryMoments,
        minSegment,
        maxSegment,
        targetLabelsPerClass,
        labelVideo,
        p,
        frameSize,
        pixelNoise);
  }

  public SyntheticOptions withSegments(int min, int max) {
    return new SyntheticOptions(
        classes,
        initialClasses,
        newClassEveryMoments,
        min,
        max,
        targetLabelsPerClass,
        labelVideo,
        captionProbability,
        frameSize,
        pixelNoise);
  }
}
