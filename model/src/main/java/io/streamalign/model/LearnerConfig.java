package io.streamalign.model;

import java.util.Objects;

/**
 * Configuration of a {@link OnlineLearner}: input shapes per modality, the aligned space, and the
 * hyper-parameters of the papers (defaults are the papers' values; see docs/architecture.md, "The
 * learner").
 *
 * <p>Fields added by the model module after the first contract: {@code pmrRule} ("clip" = PMR eq.
 * 11, "switch" = the PMR authors' on/off coefficients, "none"), {@code classCapacity} (initial rows
 * of the classifier; it doubles, with copied weights, when more classes appear) and {@code
 * unimodalWeight} (weight of the per-modality cross-entropy of phi over each labeled modality's
 * embedding in the supervised step), {@code gradClipNorm} (global gradient-norm clipping of every
 * update, see {@link #DEFAULT_GRAD_CLIP_NORM}), {@code pmrScale} (scale on the prototype distances
 * of PMR eq. 7, see {@link #DEFAULT_PMR_SCALE}). {@code alignmentLoss} is "margin" (CroMA),
 * "infonce" or "none"; {@code fusion} is "concat", "sum", "film" or "gated"; {@code device} is
 * "auto", "cpu", "gpu" or "gpu:N".
 *
 * <p>Build one with {@link #builder()} (every field starts at its default from {@link #defaults()},
 * the one place defaults live) or change one with {@link #toBuilder()} / {@link #with(String,
 * Object)}.
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
    double prototypeSubset,
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
    double pmrScale) {

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

  public LearnerConfig {
    Objects.requireNonNull(sourceModality, "sourceModality");
    Objects.requireNonNull(targetModality, "targetModality");
    if (embeddingDim <= 0) throw new IllegalArgumentException("embeddingDim must be > 0");
    if (pmrRule == null) pmrRule = PMR_CLIP;
    if (classCapacity <= 0) classCapacity = 16;
    if (fusion == null) fusion = "concat";
    if (alignmentLoss == null) alignmentLoss = "margin";
    if (device == null) device = "auto";
    if (!(gradClipNorm >= 0))
      throw new IllegalArgumentException("gradClipNorm must be >= 0 (0 = no clipping)");
    if (!(pmrScale > 0) || Double.isInfinite(pmrScale))
      throw new IllegalArgumentException("pmrScale must be finite and > 0");
  }

  /** The original 30-field constructor (PMR rule "clip", class capacity 16, unimodal weight 1). */
  public LearnerConfig(
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
      double prototypeSubset,
      int prototypeEvery,
      int warmupSamples,
      int episodeWays,
      int episodeShots,
      int reservoirPerClass,
      long seed,
      String device) {
    this(
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
        prototypeSubset,
        prototypeEvery,
        warmupSamples,
        episodeWays,
        episodeShots,
        reservoirPerClass,
        seed,
        device,
        PMR_CLIP,
        16,
        1.0,
        DEFAULT_GRAD_CLIP_NORM,
        DEFAULT_PMR_SCALE);
  }

  /**
   * Defaults for the digit data (28x28 gray frames, 40 mel bands x 64 frames, 1024 hashed tokens).
   */
  public static LearnerConfig defaults() {
    return new LearnerConfig(
        1,
        28,
        28,
        40,
        64,
        1024,
        128,
        Modality.VIDEO,
        Modality.AUDIO,
        "concat",
        "margin",
        0.1,
        0.1,
        0.1,
        1e-3,
        1,
        1e-2,
        0.9,
        1e-4,
        1.0,
        1e-2,
        0.2,
        0.1,
        256,
        2000,
        5,
        5,
        200,
        42L,
        "auto",
        PMR_CLIP,
        16,
        1.0,
        DEFAULT_GRAD_CLIP_NORM,
        DEFAULT_PMR_SCALE);
  }

  /**
   * A builder starting from {@link #defaults()}: set what differs, then {@link Builder#build()}.
   */
  public static Builder builder() {
    return new Builder(defaults());
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Builds a {@link LearnerConfig} by field name instead of by position (the record has 35
   * components); {@link #build()} runs the record's checks.
   */
  public static final class Builder {
    private int videoChannels;
    private int videoHeight;
    private int videoWidth;
    private int audioMelBands;
    private int audioFrames;
    private int textVocab;
    private int embeddingDim;
    private Modality sourceModality;
    private Modality targetModality;
    private String fusion;
    private String alignmentLoss;
    private double margin;
    private double temperature;
    private double metaStepSize;
    private double innerLearningRate;
    private int innerSteps;
    private double learningRate;
    private double momentum;
    private double weightDecay;
    private double pmrAlpha;
    private double pmrMu;
    private double prototypeMomentum;
    private double prototypeSubset;
    private int prototypeEvery;
    private int warmupSamples;
    private int episodeWays;
    private int episodeShots;
    private int reservoirPerClass;
    private long seed;
    private String device;
    private String pmrRule;
    private int classCapacity;
    private double unimodalWeight;
    private double gradClipNorm;
    private double pmrScale;

    private Builder(LearnerConfig c) {
      videoChannels = c.videoChannels();
      videoHeight = c.videoHeight();
      videoWidth = c.videoWidth();
      audioMelBands = c.audioMelBands();
      audioFrames = c.audioFrames();
      textVocab = c.textVocab();
      embeddingDim = c.embeddingDim();
      sourceModality = c.sourceModality();
      targetModality = c.targetModality();
      fusion = c.fusion();
      alignmentLoss = c.alignmentLoss();
      margin = c.margin();
      temperature = c.temperature();
      metaStepSize = c.metaStepSize();
      innerLearningRate = c.innerLearningRate();
      innerSteps = c.innerSteps();
      learningRate = c.learningRate();
      momentum = c.momentum();
      weightDecay = c.weightDecay();
      pmrAlpha = c.pmrAlpha();
      pmrMu = c.pmrMu();
      prototypeMomentum = c.prototypeMomentum();
      prototypeSubset = c.prototypeSubset();
      prototypeEvery = c.prototypeEvery();
      warmupSamples = c.warmupSamples();
      episodeWays = c.episodeWays();
      episodeShots = c.episodeShots();
      reservoirPerClass = c.reservoirPerClass();
      seed = c.seed();
      device = c.device();
      pmrRule = c.pmrRule();
      classCapacity = c.classCapacity();
      unimodalWeight = c.unimodalWeight();
      gradClipNorm = c.gradClipNorm();
      pmrScale = c.pmrScale();
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

    public Builder prototypeSubset(double v) {
      prototypeSubset = v;
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

    /**
     * The config; throws {@link IllegalArgumentException} or NullPointerException as the record's
     * checks do.
     */
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
          prototypeSubset,
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
          pmrScale);
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
