package io.streamalign.ingest.source.fetch;

import io.streamalign.features.FeatureException;
import io.streamalign.features.data.Wav;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Turns the GitHub archive of the FSDD repository into the {@code shared/data/fsdd} layout, byte
 * for byte: {@code recordings.tar} (POSIX ustar written exactly as Python's {@code tarfile} writes
 * it: the {@code recordings/} directory entry, then the 3,000 wav files sorted by name, mode 0644,
 * uid/gid 0, empty owner names, mtime of the pinned commit, padded to 10240-byte records), {@code
 * index.csv} (one row per recording with its tar offset, size, sha256 and wav header fields) and
 * {@code speakers.csv} (the upstream {@code metadata.py} speaker table). All three must match the
 * sha256s pinned in {@code shared/data/README.md}; otherwise they are deleted and a {@link
 * ChecksumMismatchException} is thrown.
 */
final class FsddRepack {
  static final String TAR_SHA = "095cba75b90b7c4184250a088d0e7134df9996b65ec8f07dbb02fef1a6d92702";
  static final String INDEX_SHA =
      "a28d0e6b91cf062d31286d8456b59e77a034574ed985f309e205f8fe30863380";
  static final String SPEAKERS_SHA =
      "63727d1e2c34b20c7bee91880fda3350c99cc74118221d68154ba0682bda95f8";
  static final int RECORDINGS = 3000;

  /**
   * Commit time of {@link DatasetFetcher#FSDD_COMMIT} (2024-05-02), the mtime of every tar member.
   */
  static final long MTIME = 1714683308L;

  static final String SPEAKERS_CSV =
      """
      speaker,gender,accent,language
      george,male,GRC/Greek,english
      jackson,male,USA/neutral,english
      lucas,male,DEU/German,english
      nicolas,male,BEL/French,english
      theo,male,USA/neutral,english
      yweweler,male,DEU/German,english
      """;
  static final String INDEX_HEADER =
      "path,digit,speaker,index,split,tar_offset,size,sha256,sample_rate,channels,bits,frames\n";

  private static final Pattern RECORDING =
      Pattern.compile("^[^/]+/recordings/(([0-9])_([A-Za-z]+)_([0-9]+)\\.wav)$");
  private static final int BLOCK = 512;
  private static final int RECORD = 20 * BLOCK;

  private FsddRepack() {}

  /** True when the three files are present with their pinned checksums. */
  static boolean isComplete(Path dir) throws IOException {
    return matches(dir.resolve("recordings.tar"), TAR_SHA)
        && matches(dir.resolve("index.csv"), INDEX_SHA)
        && matches(dir.resolve("speakers.csv"), SPEAKERS_SHA);
  }

  private static boolean matches(Path f, String sha) throws IOException {
    return Files.isRegularFile(f) && DatasetFetcher.sha256(f).equals(sha);
  }

  /** Repacks {@code zip} into {@code dir}; {@code source} names the archive in error messages. */
  static void repack(Path zip, Path dir, String source) throws IOException {
    Path tar = dir.resolve("recordings.tar");
    Path index = dir.resolve("index.csv");
    Path speakers = dir.resolve("speakers.csv");
    Path tarTmp = dir.resolve("recordings.tar.tmp");
    Path indexTmp = dir.resolve("index.csv.tmp");
    Path speakersTmp = dir.resolve("speakers.csv.tmp");
    try (ZipFile zf = new ZipFile(zip.toFile())) {
      Map<String, ZipEntry> recordings = new TreeMap<>();
      Enumeration<? extends ZipEntry> en = zf.entries();
      while (en.hasMoreElements()) {
        ZipEntry e = en.nextElement();
        Matcher m = RECORDING.matcher(e.getName());
        if (!e.isDirectory() && m.matches()) {
          if (recordings.put("recordings/" + m.group(1), e) != null) {
            throw new FetchException(
                "FSDD archive " + source + " holds recordings/" + m.group(1) + " twice");
          }
        }
      }
      if (recordings.size() != RECORDINGS) {
        throw new FetchException(
            "FSDD archive "
                + source
                + " holds "
                + recordings.size()
                + " recordings under <root>/recordings/, expected "
                + RECORDINGS
                + " (commit "
                + DatasetFetcher.FSDD_COMMIT
                + ")");
      }
      StringBuilder rows = new StringBuilder(INDEX_HEADER);
      MessageDigest tarSha = DatasetFetcher.sha256();
      try (OutputStream out =
          new DigestOutputStream(
              new BufferedOutputStream(Files.newOutputStream(tarTmp), 1 << 16), tarSha)) {
        long pos = 0;
        out.write(header("recordings/", 0, '5'));
        pos += BLOCK;
        for (Map.Entry<String, ZipEntry> r : recordings.entrySet()) {
          byte[] data;
          try (InputStream in = zf.getInputStream(r.getValue())) {
            data = in.readAllBytes();
          }
          out.write(header(r.getKey(), data.length, '0'));
          pos += BLOCK;
          long offset = pos;
          out.write(data);
          int pad = (int) ((BLOCK - data.length % BLOCK) % BLOCK);
          out.write(new byte[pad]);
          pos += data.length + pad;
          rows.append(row(r.getKey(), offset, data, source));
        }
        out.write(new byte[2 * BLOCK]);
        pos += 2 * BLOCK;
        int pad = (int) ((RECORD - pos % RECORD) % RECORD);
        out.write(new byte[pad]);
      }
      Files.writeString(indexTmp, rows.toString(), StandardCharsets.UTF_8);
      Files.writeString(speakersTmp, SPEAKERS_CSV, StandardCharsets.UTF_8);
      check(
          tarTmp,
          HexFormat.of().formatHex(tarSha.digest()),
          TAR_SHA,
          "fsdd/recordings.tar",
          source,
          List.of(tarTmp, indexTmp, speakersTmp));
      check(
          indexTmp,
          DatasetFetcher.sha256(indexTmp),
          INDEX_SHA,
          "fsdd/index.csv",
          source,
          List.of(tarTmp, indexTmp, speakersTmp));
      check(
          speakersTmp,
          DatasetFetcher.sha256(speakersTmp),
          SPEAKERS_SHA,
          "fsdd/speakers.csv",
          source,
          List.of(tarTmp, indexTmp, speakersTmp));
      Files.move(tarTmp, tar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.move(
          indexTmp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.move(
          speakersTmp,
          speakers,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tarTmp);
      Files.deleteIfExists(indexTmp);
      Files.deleteIfExists(speakersTmp);
      if (e instanceof java.util.zip.ZipException z) {
        Files.deleteIfExists(zip); // a broken archive is not resumable
        throw new FetchException(
            "FSDD archive " + source + " is not a valid zip (deleted): " + z.getMessage(), z);
      }
      throw e;
    }
  }

  private static void check(
      Path file, String actual, String expected, String name, String source, List<Path> all)
      throws IOException {
    if (!actual.equals(expected)) {
      for (Path p : all) Files.deleteIfExists(p);
      throw new ChecksumMismatchException(name, "repack of " + source, expected, actual);
    }
  }

  private static String row(String path, long offset, byte[] wav, String source)
      throws FetchException {
    Matcher m = RECORDING.matcher("x/" + path);
    if (!m.matches()) throw new IllegalStateException(path);
    Wav.Audio a;
    try {
      a = Wav.parse(wav);
    } catch (FeatureException e) {
      throw new FetchException(
          "FSDD archive " + source + ": " + path + " is not a PCM16 wav: " + e.getMessage(), e);
    }
    int index = Integer.parseInt(m.group(4));
    String sha = HexFormat.of().formatHex(DatasetFetcher.sha256().digest(wav));
    return path
        + ','
        + m.group(2)
        + ','
        + m.group(3)
        + ','
        + index
        + ','
        + (index <= 4 ? "test" : "train")
        + ','
        + offset
        + ','
        + wav.length
        + ','
        + sha
        + ','
        + a.sampleRate()
        + ','
        + a.channels()
        + ",16,"
        + a.frames()
        + '\n';
  }

  /**
   * A ustar header as Python's tarfile writes it (numbers in zero-padded octal, checksum "%06o\0
   * ").
   */
  static byte[] header(String name, long size, char type) {
    byte[] h = new byte[BLOCK];
    put(h, 0, name, 100);
    put(h, 100, "0000644\0", 8);
    put(h, 108, "0000000\0", 8);
    put(h, 116, "0000000\0", 8);
    put(h, 124, String.format("%011o\0", size), 12);
    put(h, 136, String.format("%011o\0", MTIME), 12);
    put(h, 148, "        ", 8);
    h[156] = (byte) type;
    put(h, 257, "ustar\0", 6);
    put(h, 263, "00", 2);
    put(h, 329, "0000000\0", 8);
    put(h, 337, "0000000\0", 8);
    int sum = 0;
    for (byte b : h) sum += b & 0xff;
    put(h, 148, String.format("%06o\0 ", sum), 8);
    return h;
  }

  private static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    if (b.length > max) throw new IllegalArgumentException("tar field too long: " + s);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
