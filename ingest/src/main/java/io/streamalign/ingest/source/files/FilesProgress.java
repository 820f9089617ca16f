package io.streamalign.ingest.source.files;

/**
 * Progress of a {@link FilesSource}.
 *
 * @param samples samples published (a sample with at least one readable file)
 * @param records records sent (frames + chunks + text segments + labels)
 * @param unreadable files skipped because they could not be read or decoded (each file counted
 *     once)
 * @param failures sends that failed (synchronously or when acknowledged)
 * @param passes completed passes over the directory
 * @param elapsedMs wall-clock time since start
 * @param done true in the final report
 */
public record FilesProgress(
    long samples,
    long records,
    long unreadable,
    long failures,
    long passes,
    long elapsedMs,
    boolean done) {}
