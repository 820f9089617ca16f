/**
 * Media files (PNG/JPEG images, WAV clips, text) to model features through the featurizers the
 * model is trained on ({@link io.streamalign.features.media.FeatureSet}); used by pairing and by
 * serving's {@code POST /predict}. A package of its own so that the featurizers ({@code features})
 * and the dataset readers ({@code features.data}) do not depend on each other in a cycle.
 */
package io.streamalign.features.media;
