package io.streamalign.ingest.source.media;

/**
 * Progress of a {@link MediaSource}.
 *
 * @param frames video frames sent (after sampling to the chosen fps); for an audio-only input,
 *     moments
 * @param chunks audio chunks sent
 * @param decodedVideoFrames video frames decoded (before sampling)
 * @param decodeErrors frames the decoder failed on and skipped
 * @param failures sends that failed
 * @param streamTimeMs stream time of the last decoded frame, from the first frame
 * @param elapsedMs wall-clock time since start
 * @param done true in the final report
 */
public record MediaProgress(
    long frames,
    long chunks,
    long decodedVideoFrames,
    long decodeErrors,
    long failures,
    long streamTimeMs,
    long elapsedMs,
    boolean done) {}
