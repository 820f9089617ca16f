package io.streamalign.ingest.source.files;

import java.nio.file.Path;

/**
 * A file the files source could not use, with the reason (unreadable, undecodable, empty,
 * duplicate).
 *
 * @param file the file
 * @param reason why it was skipped
 */
public record FileProblem(Path file, String reason) {
  @Override
  public String toString() {
    return file + ": " + reason;
  }
}
