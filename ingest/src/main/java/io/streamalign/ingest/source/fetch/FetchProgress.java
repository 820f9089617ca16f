package io.streamalign.ingest.source.fetch;

/** Download progress callback of {@link DatasetFetcher}. */
@FunctionalInterface
public interface FetchProgress {
  /**
   * Called as bytes arrive (about every 256 KiB) and when a file is complete.
   *
   * @param file file being fetched, relative to the data directory
   * @param bytes bytes of it on disk so far (including a resumed part)
   * @param totalBytes its full size, or -1 when the server does not say
   */
  void progress(String file, long bytes, long totalBytes);

  /** Does nothing. */
  FetchProgress NONE = (f, b, t) -> {};
}
