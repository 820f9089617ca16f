/**
 * Pure-Java featurization shared by pairing (ingest), training and serving: log-mel audio ({@link
 * io.streamalign.features.AudioFeaturizer}), video frames ({@link
 * io.streamalign.features.VideoFeaturizer}) and hashed text ({@link
 * io.streamalign.features.TextFeaturizer}).
 *
 * <p>Depends only on the JDK and JTransforms (FFT); no Kafka, no DJL. Bad input raises the
 * unchecked {@link io.streamalign.features.FeatureException}.
 */
package io.streamalign.features;
