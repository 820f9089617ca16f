package io.streamalign.ingest.source.files;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One sample of a class folder: the files of {@code DIR/<className>/} that share a base name, e.g.
 * {@code cat/001.png + cat/001.wav + cat/001.txt}. Any of the three may be null (a lone file is a
 * single-modality sample), but not all of them.
 *
 * @param className name of the class folder
 * @param baseName file name without its extension
 * @param image PNG or JPEG file, or null
 * @param audio WAV file, or null
 * @param text UTF-8 text file, or null
 */
public record FileSample(String className, String baseName, Path image, Path audio, Path text) {
  public FileSample {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(baseName, "baseName");
    if (image == null && audio == null && text == null) {
      throw new IllegalArgumentException("sample " + className + "/" + baseName + " has no file");
    }
  }

  /** The sample's files (image, audio, text; nulls left out). */
  public List<Path> files() {
    List<Path> l = new ArrayList<>(3);
    if (image != null) l.add(image);
    if (audio != null) l.add(audio);
    if (text != null) l.add(text);
    return l;
  }

  /** {@code className/baseName}. */
  public String id() {
    return className + "/" + baseName;
  }
}
