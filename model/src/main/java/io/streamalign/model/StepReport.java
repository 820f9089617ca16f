package io.streamalign.model;

import java.util.List;
import java.util.Map;

/**
 * What one {@link OnlineLearner#learn} step did. Accuracies are prequential (test-then-train,
 * cumulative since start or restore): per modality and {@code "FUSED"}.
 *
 * @param samples samples in the batch
 * @param samplesSeen total samples learned from
 * @param losses named loss values of this step (e.g. "align", "meta_cls", "fused_ce", "pce", "per")
 * @param rho PMR imbalance ratio (eq. 8) for the source/target pair; NaN when not computed: it
 *     needs samples present AND labeled for both modalities with prototypes of both for all their
 *     classes. The learner's supervised step replays such samples from its reservoirs (up to a
 *     quarter of the replay draw), so with a small label budget for one modality rho is still
 *     computed on most steps once a few such samples exist; before that it is honestly NaN
 *     (beta/gamma too)
 * @param beta PMR coefficient of the first modality's PCE (eq. 11)
 * @param gamma PMR coefficient of the second modality's PCE (eq. 11)
 * @param prequentialAccuracy accuracy per modality name and "FUSED"
 * @param skippedNonFinite total updates skipped because a loss or gradient was not finite
 * @param stepMillis wall time of the step
 * @param prequentialCorrect one entry per sample of the batch, in its order: whether the fused
 *     prediction made from every present modality before learning (the test of test-then-train)
 *     named the sample's label; {@code false} while no class is known, {@code null} for an
 *     unlabeled or rejected sample. Lets a caller keep a windowed accuracy without predicting the
 *     batch a second time.
 */
public record StepReport(
    int samples,
    long samplesSeen,
    Map<String, Double> losses,
    double rho,
    double beta,
    double gamma,
    Map<String, Double> prequentialAccuracy,
    long skippedNonFinite,
    double stepMillis,
    List<Boolean> prequentialCorrect) {}
