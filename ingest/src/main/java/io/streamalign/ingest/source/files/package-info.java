/**
 * The {@code files} source: a directory of class folders replayed as one labeled audio-visual-text
 * stream ({@link io.streamalign.ingest.source.files.FilesSource}), with the grouping and reading
 * logic in {@link io.streamalign.ingest.source.files.FileSamples}.
 */
package io.streamalign.ingest.source.files;
