package io.streamalign.model;

import java.util.Objects;

/**
 * Configuration of a {@link OnlineLearner}: input shapes per modality, the aligned space, and the
 * hyper-parameters of the papers. Build one with {@link #builder()} (every field starts at its
 * default) or {@link #toBuilder()}; defaults and validation live here and nowhere else.
 *
 * <p>Defaults (README, "The learner"): CroMA's margin 0.1, meta step eps 0.1 and inner Adam
 * learning rate 1e-3 (CroMA Table 5), with 1 inner step, not the papers' 5 (with one, Reptile is a
 * scaled sign-SGD step, see {@link ReptileStep}; five inner steps without the unimodal term broke
 * the alignment transfer DigitsTest checks); PMR's alpha 1, mu 1e-2, prototype momentum 0.2, SGD
 * with momentum 0.9 and weight decay 1e-4 (PMR section 5.2). Fields beyond the papers: {@code
 * pmrRule} ("clip" = PMR eq. 11, "switch" = the PMR authors' on/off coefficients, "none"), {@code
 * classCapacity} (initial rows of the classifier; it doubles, with copied weights, when more
 * classes appear), {@code unimodalWeight} (weight of an extra per-modality cross-entropy of phi in
 * the supervised step; in neither paper, 1 by default until the method transfers without it),
 * {@code gradClipNorm} ({@link #DEFAULT_GRAD_CLIP_NORM}), {@code pmrScale} ({@link
 * #DEFAULT_PMR_SCALE}), {@code prototypeEvery} (samples between two prototype refreshes, the
 * stream's "epoch" of PMR eq. 12). {@code alignmentLoss} is "margin" (CroMA), "infonce" or "none";
 * {@code fusion} is "concat", "sum", "film" or "gated"; {@code device} is "auto", "cpu", "gpu" or
 * "gpu:N" (checked when a model is built); {@code videoEncoder} is {@link #VIDEO_FLATTEN} (default)
 * or {@link #VIDEO_MAXPOOL} (see {@code Nets}).
 *
 * <p>Shape fields must match the featurizers' output; {@link #compatibleWith} says whether a
 * snapshot made under another config can be served in place of this one.
 */
public record LearnerConfig(
    int videoChannels,
    int videoHeight,
    int videoWidth,
    int audioMelBands,
    int audioFrames,
    int textVocab,
    int embeddingDim,
    Modality sourceModality,
    Modality targetModality,
    String fusion,
    String alignmentLoss,
    double margin,
    double temperature,
    double metaStepSize,
    double innerLearningRate,
    int innerSteps,
    double learningRate,
    double momentum,
    double weightDecay,
    double pmrAlpha,
    double pmrMu,
    double prototypeMomentum,
    int prototypeEvery,
    int warmupSamples,
    int episodeWays,
    int episodeShots,
    int reservoirPerClass,
    long seed,
    String device,
    String pmrRule,
    int classCapacity,
    double unimodalWeight,
    double gradClipNorm,
    double pmrScale,
    String videoEncoder) {

  /**
   * Video encoder whose linear layer reads the flattened feature map, one weight per position: the
   * default, for centred objects such as the digit data (and the encoder of every snapshot written
   * before {@code videoEncoder} existed, whose JSON lacks the member and so gets the default).
   */
  public static final String VIDEO_FLATTEN = "flatten";

  /**
   * Video encoder with a third convolution and global max pooling over the image before the linear
   * layer: what it recognizes does not depend on where in the frame it is, for cameras whose
   * objects move (the demo's synthetic scenes; README, "The learner").
   */
  public static final String VIDEO_MAXPOOL = "maxpool";

  /**
   * Default for {@code gradClipNorm}: every update (the supervised SGD step and the inner Adam
   * steps) scales its gradients down to this global L2 norm when they exceed it, as PyTorch's
   * {@code clip_grad_norm_}; 0 turns clipping off. Why: a blank frame or digital silence maps to
   * the zero vector in a freshly initialized encoder, where the L2 normalization's Jacobian is
   * 1/sqrt(1e-12) = 10^6; one unclipped step then threw the video encoder's weights to ~10^7 and
   * the learner never recovered (model StabilityTest, the demo's non-finite runs).
   */
  public static final double DEFAULT_GRAD_CLIP_NORM = 10.0;

  /**
   * Default for {@code pmrScale}: the prototype softmax of PMR eq. 7 is taken over {@code -s * d(z,
   * c)} (s = 1 is the paper as written). The paper's features are unnormalized (its eq. 7 follows
   * prototypical networks), so distances and the softmax have a wide range; ours live on the unit
   * sphere, where d &lt;= 2 bounds the logits to [-2, 0] and, over ten classes, the true class's
   * probability to at most 0.45 even when every sample sits on its prototype: rho stayed near 1 and
   * PCE near its uniform value, i.e. PMR did almost nothing. s = 10 is the scale the classifier phi
   * puts on its cosines ({@code Nets.LOGIT_SCALE}).
   */
  public static final double DEFAULT_PMR_SCALE = 10.0;

  /** PMR eq. 11 coefficients (clipped ratio); the default. */
  public static final String PMR_CLIP = "clip";

  /** The PMR authors' code: coefficient alpha for the slower modality, 0 otherwise. */
  public static final String PMR_SWITCH = "switch";

  /** No PMR terms (plain fused cross-entropy). */
  public static final String PMR_NONE = "none";

  /** Every field checked once: a config that exists is one the learner can run. */
  public LearnerConfig {
    Objects.requireNonNull(sourceModality, "sourceModality");
    Objects.requireNonNull(targetModality, "targetModality");
    positive("videoChannels", videoChannels);
    positive("videoHeight", videoHeight);
    positive("videoWidth", videoWidth);
    positive("audioMelBands", audioMelBands);
    positive("audioFrames", audioFrames);
    positive("textVocab", textVocab);
    positive("embeddingDim", embeddingDim);
    positive("innerSteps", innerSteps);
    positive("prototypeEvery", prototypeEvery);
    positive("episodeWays", episodeWays);
    positive("episodeShots", episodeShots);
    positive("reservoirPerClass", reservoirPerClass);
    if (warmupSamples < 0) throw new IllegalArgumentException("warmupSamples must be >= 0");
    if (pmrRule == null) pmrRule = PMR_CLIP;
    if (classCapacity <= 0) classCapacity = 16;
    if (fusion == null) fusion = "concat";
    if (videoEncoder == null) videoEncoder = VIDEO_FLATTEN;
    if (!java.util.Set.of(VIDEO_MAXPOOL, VIDEO_FLATTEN).contains(videoEncoder)) {
      throw new IllegalArgumentException(
          "unknown videoEncoder '" + videoEncoder + "' (maxpool, flatten)");
    }
    if (alignmentLoss == null) alignmentLoss = "margin";
    if (device == null) device = "auto";
    fusionKind(fusion);
    if (!java.util.Set.of("margin", "infonce", "none").contains(alignmentLoss.toLowerCase())) {
      throw new IllegalArgumentException(
          "unknown alignmentLoss '" + alignmentLoss + "' (margin, infonce, none)");
    }
    if (!java.util.Set.of(PMR_CLIP, PMR_SWITCH, PMR_NONE).contains(pmrRule)) {
      throw new IllegalArgumentException("unknown pmrRule '" + pmrRule + "' (clip, switch, none)");
    }
    nonNegative("margin", margin);
    if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0");
    if (!(metaStepSize > 0 && metaStepSize <= 1))
      throw new IllegalArgumentException("metaStepSize must be in (0, 1]");
    if (!(innerLearningRate > 0))
      throw new IllegalArgumentException("innerLearningRate must be > 0");
    if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0");
    if (!(momentum >= 0 && momentum < 1))
      throw new IllegalArgumentException("momentum must be in [0, 1)");
    nonNegative("weightDecay", weightDecay);
    nonNegative("pmrAlpha", pmrAlpha);
    nonNegative("pmrMu", pmrMu);
    if (!(prototypeMomentum >= 0 && prototypeMomentum < 1))
      throw new IllegalArgumentException("prototypeMomentum must be in [0, 1)");
    nonNegative("unimodalWeight", unimodalWeight);
    if (!(gradClipNorm >= 0))
      throw new IllegalArgumentException("gradClipNorm must be >= 0 (0 = no clipping)");
    if (!(pmrScale > 0) || Double.isInfinite(pmrScale))
      throw new IllegalArgumentException("pmrScale must be finite and > 0");
  }

  private static void positive(String name, int v) {
    if (v <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + v);
  }

  private static void nonNegative(String name, double v) {
    if (!(v >= 0) || Double.isInfinite(v))
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
  }

  /**
   * The fusion head a name selects: "concat", "sum", "film" or "gated" (case-insensitive; the long
   * names too).
   */
  static String fusionKind(String fusion) {
    return switch (fusion.toLowerCase()) {
      case "concat", "concatenation" -> "concat";
      case "sum", "summation" -> "sum";
      case "film" -> "film";
      case "gated", "gate" -> "gated";
      default ->
          throw new IllegalArgumentException(
              "unknown fusion '" + fusion + "' (concat, sum, film, gated)");
    };
  }

  /**
   * Defaults for the digit data (28x28 gray frames, 40 mel bands x 64 frames, 1024 hashed tokens).
   */
  public static LearnerConfig defaults() {
    return builder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Builds a {@link LearnerConfig}; every field starts at its default; {@link #build} validates.
   */
  public static final class Builder {
    private int videoChannels = 1;
    private int videoHeight = 28;
    private int videoWidth = 28;
    private int audioMelBands = 40;
    private int audioFrames = 64;
    private int textVocab = 1024;
    private int embeddingDim = 128;
    private Modality sourceModality = Modality.VIDEO;
    private Modality targetModality = Modality.AUDIO;
    private String fusion = "concat";
    private String alignmentLoss = "margin";
    private double margin = 0.1;
    private double temperature = 0.1;
    private double metaStepSize = 0.1;
    private double innerLearningRate = 1e-3;
    private int innerSteps = 1;
    private double learningRate = 1e-2;
    private double momentum = 0.9;
    private double weightDecay = 1e-4;
    private double pmrAlpha = 1.0;
    private double pmrMu = 1e-2;
    private double prototypeMomentum = 0.2;
    private int prototypeEvery = 256;
    private int warmupSamples = 2000;
    private int episodeWays = 5;
    private int episodeShots = 5;
    private int reservoirPerClass = 200;
    private long seed = 42L;
    private String device = "auto";
    private String pmrRule = PMR_CLIP;
    private int classCapacity = 16;
    private double unimodalWeight = 1.0;
    private double gradClipNorm = DEFAULT_GRAD_CLIP_NORM;
    private double pmrScale = DEFAULT_PMR_SCALE;
    private String videoEncoder = VIDEO_FLATTEN;

    private Builder() {}

    private Builder(LearnerConfig c) {
      videoChannels = c.videoChannels;
      videoHeight = c.videoHeight;
      videoWidth = c.videoWidth;
      audioMelBands = c.audioMelBands;
      audioFrames = c.audioFrames;
      textVocab = c.textVocab;
      embeddingDim = c.embeddingDim;
      sourceModality = c.sourceModality;
      targetModality = c.targetModality;
      fusion = c.fusion;
      alignmentLoss = c.alignmentLoss;
      margin = c.margin;
      temperature = c.temperature;
      metaStepSize = c.metaStepSize;
      innerLearningRate = c.innerLearningRate;
      innerSteps = c.innerSteps;
      learningRate = c.learningRate;
      momentum = c.momentum;
      weightDecay = c.weightDecay;
      pmrAlpha = c.pmrAlpha;
      pmrMu = c.pmrMu;
      prototypeMomentum = c.prototypeMomentum;
      prototypeEvery = c.prototypeEvery;
      warmupSamples = c.warmupSamples;
      episodeWays = c.episodeWays;
      episodeShots = c.episodeShots;
      reservoirPerClass = c.reservoirPerClass;
      seed = c.seed;
      device = c.device;
      pmrRule = c.pmrRule;
      classCapacity = c.classCapacity;
      unimodalWeight = c.unimodalWeight;
      gradClipNorm = c.gradClipNorm;
      pmrScale = c.pmrScale;
      videoEncoder = c.videoEncoder;
    }

    public Builder videoChannels(int v) {
      videoChannels = v;
      return this;
    }

    public Builder videoHeight(int v) {
      videoHeight = v;
      return this;
    }

    public Builder videoWidth(int v) {
      videoWidth = v;
      return this;
    }

    public Builder audioMelBands(int v) {
      audioMelBands = v;
      return this;
    }

    public Builder audioFrames(int v) {
      audioFrames = v;
      return this;
    }

    public Builder textVocab(int v) {
      textVocab = v;
      return this;
    }

    public Builder embeddingDim(int v) {
      embeddingDim = v;
      return this;
    }

    public Builder sourceModality(Modality v) {
      sourceModality = v;
      return this;
    }

    public Builder targetModality(Modality v) {
      targetModality = v;
      return this;
    }

    public Builder fusion(String v) {
      fusion = v;
      return this;
    }

    public Builder alignmentLoss(String v) {
      alignmentLoss = v;
      return this;
    }

    public Builder margin(double v) {
      margin = v;
      return this;
    }

    public Builder temperature(double v) {
      temperature = v;
      return this;
    }

    public Builder metaStepSize(double v) {
      metaStepSize = v;
      return this;
    }

    public Builder innerLearningRate(double v) {
      innerLearningRate = v;
      return this;
    }

    public Builder innerSteps(int v) {
      innerSteps = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder pmrAlpha(double v) {
      pmrAlpha = v;
      return this;
    }

    public Builder pmrMu(double v) {
      pmrMu = v;
      return this;
    }

    public Builder prototypeMomentum(double v) {
      prototypeMomentum = v;
      return this;
    }

    public Builder prototypeEvery(int v) {
      prototypeEvery = v;
      return this;
    }

    public Builder warmupSamples(int v) {
      warmupSamples = v;
      return this;
    }

    public Builder episodeWays(int v) {
      episodeWays = v;
      return this;
    }

    public Builder episodeShots(int v) {
      episodeShots = v;
      return this;
    }

    public Builder reservoirPerClass(int v) {
      reservoirPerClass = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder device(String v) {
      device = v;
      return this;
    }

    public Builder pmrRule(String v) {
      pmrRule = v;
      return this;
    }

    public Builder classCapacity(int v) {
      classCapacity = v;
      return this;
    }

    public Builder unimodalWeight(double v) {
      unimodalWeight = v;
      return this;
    }

    public Builder gradClipNorm(double v) {
      gradClipNorm = v;
      return this;
    }

    public Builder pmrScale(double v) {
      pmrScale = v;
      return this;
    }

    public Builder videoEncoder(String v) {
      videoEncoder = v;
      return this;
    }

    /** The config; throws {@link IllegalArgumentException} naming the first invalid field. */
    public LearnerConfig build() {
      return new LearnerConfig(
          videoChannels,
          videoHeight,
          videoWidth,
          audioMelBands,
          audioFrames,
          textVocab,
          embeddingDim,
          sourceModality,
          targetModality,
          fusion,
          alignmentLoss,
          margin,
          temperature,
          metaStepSize,
          innerLearningRate,
          innerSteps,
          learningRate,
          momentum,
          weightDecay,
          pmrAlpha,
          pmrMu,
          prototypeMomentum,
          prototypeEvery,
          warmupSamples,
          episodeWays,
          episodeShots,
          reservoirPerClass,
          seed,
          device,
          pmrRule,
          classCapacity,
          unimodalWeight,
          gradClipNorm,
          pmrScale,
          videoEncoder);
    }
  }

  /** This config as a flat JSON object, one member per field (enums as names). */
  public String toJson() {
    return ConfigJson.write(this);
  }

  /**
   * Parses {@link #toJson()} output. Members missing from {@code json} keep their {@link
   * #defaults()} value and unknown members are ignored, so configs written by older or newer
   * versions still load; a member of the wrong type throws {@link IllegalArgumentException}.
   */
  public static LearnerConfig fromJson(String json) {
    return ConfigJson.read(json, defaults());
  }

  /**
   * A copy with some fields replaced, given as name -> value text (e.g. {@code "innerSteps" ->
   * "3"}), for command-line overrides. Unknown names throw {@link IllegalArgumentException}.
   */
  public LearnerConfig with(java.util.Map<String, String> overrides) {
    return ConfigJson.override(this, overrides);
  }

  /** Shorthand for {@link #with(java.util.Map)} with one field. */
  public LearnerConfig with(String field, Object value) {
    return with(java.util.Map.of(field, String.valueOf(value)));
  }

  /** True when a model made under {@code other} takes the same inputs and embedding size. */
  public boolean compatibleWith(LearnerConfig other) {
    return other != null
        && videoChannels == other.videoChannels
        && videoHeight == other.videoHeight
        && videoWidth == other.videoWidth
        && audioMelBands == other.audioMelBands
        && audioFrames == other.audioFrames
        && textVocab == other.textVocab
        && embeddingDim == other.embeddingDim;
  }

  /** Flat feature length of one modality's input. */
  public int featureSize(Modality m) {
    return switch (m) {
      case VIDEO -> videoChannels * videoHeight * videoWidth;
      case AUDIO -> audioMelBands * audioFrames;
      case TEXT -> textVocab;
    };
  }
}
