/**
 * Readers for the recorded data in {@code shared/data}: {@link
 * io.streamalign.features.data.DataDir} (where it is), {@link io.streamalign.features.data.Mnist}
 * (t10k IDX files), {@link io.streamalign.features.data.Fsdd} (spoken digits) and the PCM16 {@link
 * io.streamalign.features.data.Wav} codec.
 *
 * <p>Depends on the JDK and {@code io.streamalign.features} (for {@code FeatureException} and
 * {@code Pcm16}) only. Nothing is downloaded.
 */
package io.streamalign.features.data;
