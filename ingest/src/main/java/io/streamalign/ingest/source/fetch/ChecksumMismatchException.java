package io.streamalign.ingest.source.fetch;

/** A downloaded or repacked file does not have the pinned sha256; the bad file has been deleted. */
public class ChecksumMismatchException extends FetchException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String expected;
  private final String actual;

  public ChecksumMismatchException(String file, String source, String expected, String actual) {
    super(
        "sha256 mismatch for "
            + file
            + " from "
            + source
            + ": expected "
            + expected
            + ", got "
            + actual
            + " (the file was deleted)");
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }

  /** The file, relative to the data directory (e.g. {@code mnist/t10k-labels-idx1-ubyte.gz}). */
  public String file() {
    return file;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
