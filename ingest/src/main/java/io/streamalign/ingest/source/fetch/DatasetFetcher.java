package io.streamalign.ingest.source.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads the public data sets StreamAlign uses into a data directory with the layout of {@code
 * shared/data} (so {@code Mnist.load(to)} and {@code Fsdd.load(to)} read the result):
 *
 * <ul>
 *   <li>{@code "mnist"}: {@code mnist/t10k-images-idx3-ubyte.gz} and {@code
 *       mnist/t10k-labels-idx1-ubyte.gz} from the first mirror of {@link #MNIST_MIRRORS} that works
 *       (the torchvision S3 mirror first), each checked against its pinned sha256 ({@code
 *       shared/data/README.md});
 *   <li>{@code "fsdd"}: the GitHub archive of Jakobovski/free-spoken-digit-dataset at commit
 *       {@value #FSDD_COMMIT}, repacked by {@link FsddRepack} into {@code fsdd/recordings.tar},
 *       {@code fsdd/index.csv} and {@code fsdd/speakers.csv}. The archive itself is not pinned
 *       (GitHub regenerates archives, so their bytes are not stable); the repacked files are
 *       byte-for-byte reproducible and must match their pinned sha256s. The tar holds every
 *       recording unchanged at a fixed offset and {@code index.csv} lists each recording's own
 *       sha256, so the two checks verify all 3,000 recordings against the shared data's {@code
 *       index.csv}.
 * </ul>
 *
 * <p>Downloads go to {@code <file>.part} and resume with {@code Range: bytes=N-} after a dropped
 * connection (a server that ignores the range gets a fresh download); I/O errors, HTTP 5xx and 429
 * are retried with exponential backoff, other HTTP errors move on to the next mirror. A file with
 * the wrong sha256 is deleted and reported by a {@link ChecksumMismatchException}. Files already
 * present with the right checksum are not downloaded again.
 */
public final class DatasetFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetFetcher.class);

  /**
   * MNIST mirrors tried in order (torchvision's S3 mirror, TensorFlow's GCS mirror, the original
   * site).
   */
  public static final List<URI> MNIST_MIRRORS =
      List.of(
          URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
          URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
          URI.create("http://yann.lecun.com/exdb/mnist/"));

  /** Pinned FSDD commit. */
  public static final String FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1";

  /**
   * Where GitHub serves archives of the FSDD repository ({@code <commit>.zip} is resolved against
   * it).
   */
  public static final URI FSDD_ARCHIVES =
      URI.create("https://github.com/Jakobovski/free-spoken-digit-dataset/archive/");

  /** MNIST t10k files and their sha256 (shared/data/README.md). */
  static final String[][] MNIST_FILES = {
    {
      "t10k-images-idx3-ubyte.gz",
      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    },
    {
      "t10k-labels-idx1-ubyte.gz",
      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    },
  };

  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Pattern CONTENT_RANGE_UNSATISFIED = Pattern.compile("bytes\\s+\\*/(\\d+)");
  private static final int PROGRESS_STEP = 256 * 1024;

  private final HttpClient client;
  private final int maxAttempts;
  private final Duration backoff;
  private final Duration requestTimeout;
  private final FetchProgress progress;

  /**
   * 5 attempts per mirror, 1 s first backoff, 2 min per request, progress logged at INFO every 10%.
   */
  public DatasetFetcher() {
    this(defaultClient(), 5, Duration.ofSeconds(1), Duration.ofMinutes(2), logging());
  }

  /** Defaults with a progress callback. */
  public DatasetFetcher(FetchProgress progress) {
    this(defaultClient(), 5, Duration.ofSeconds(1), Duration.ofMinutes(2), progress);
  }

  /**
   * @param client HTTP client (should follow redirects: GitHub archives redirect to
   *     codeload.github.com)
   * @param maxAttempts attempts per file and mirror (>= 1)
   * @param backoff wait before the second attempt; doubled for each further one
   * @param requestTimeout limit of one request, body included
   * @param progress progress callback
   */
  public DatasetFetcher(
      HttpClient client,
      int maxAttempts,
      Duration backoff,
      Duration requestTimeout,
      FetchProgress progress) {
    this.client = Objects.requireNonNull(client, "client");
    if (maxAttempts < 1)
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    this.maxAttempts = maxAttempts;
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.progress = progress == null ? FetchProgress.NONE : progress;
  }

  /** HTTP/1.1 client following redirects (not https to http), 30 s connect timeout. */
  public static HttpClient defaultClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  private static FetchProgress logging() {
    return new FetchProgress() {
      private String file;
      private long lastDecile = -1;

      @Override
      public void progress(String f, long bytes, long total) {
        if (!f.equals(file)) {
          file = f;
          lastDecile = -1;
        }
        long decile = total > 0 ? bytes * 10 / total : -1;
        if (decile != lastDecile) {
          lastDecile = decile;
          LOG.info("fetch {}: {} of {} bytes", f, bytes, total < 0 ? "?" : Long.toString(total));
        }
      }
    };
  }

  /**
   * Fetches a data set into {@code to} (created if needed).
   *
   * @param dataset {@code "mnist"} or {@code "fsdd"} (case-insensitive)
   * @param to the data directory (files go to {@code to/mnist/} or {@code to/fsdd/})
   * @param baseOverride null for the canonical locations; otherwise the only base URL used: MNIST
   *     files are {@code base/<file>.gz}, the FSDD archive is {@code base/<commit>.zip}
   * @return the directory of the data set ({@code to/mnist} or {@code to/fsdd})
   * @throws ChecksumMismatchException if a file does not match its pinned sha256 (it is deleted)
   * @throws FetchException if no mirror delivers a file after the retries, or the archive is not as
   *     expected
   * @throws IllegalArgumentException for an unknown data set name
   */
  public Path fetch(String dataset, Path to, URI baseOverride) throws IOException {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(to, "to");
    URI base = baseOverride == null ? null : withSlash(baseOverride);
    switch (dataset.toLowerCase(Locale.ROOT)) {
      case "mnist" -> {
        Path dir = Files.createDirectories(to.resolve("mnist"));
        List<URI> mirrors = base == null ? MNIST_MIRRORS : List.of(base);
        for (String[] f : MNIST_FILES) {
          List<URI> urls = mirrors.stream().map(m -> m.resolve(f[0])).toList();
          download(urls, dir.resolve(f[0]), f[1], "mnist/" + f[0]);
        }
        return dir;
      }
      case "fsdd" -> {
        Path dir = Files.createDirectories(to.resolve("fsdd"));
        if (FsddRepack.isComplete(dir)) {
          LOG.info("fetch fsdd: {} already holds the verified FSDD files", dir);
          return dir;
        }
        URI url = (base == null ? FSDD_ARCHIVES : base).resolve(FSDD_COMMIT + ".zip");
        Path zip = dir.resolve("free-spoken-digit-dataset-" + FSDD_COMMIT + ".zip");
        download(List.of(url), zip, null, "fsdd/" + zip.getFileName());
        FsddRepack.repack(zip, dir, url.toString());
        Files.deleteIfExists(zip);
        return dir;
      }
      default ->
          throw new IllegalArgumentException(
              "unknown data set '" + dataset + "' (known: mnist, fsdd)");
    }
  }

  private static URI withSlash(URI u) {
    String s = u.toString();
    return s.endsWith("/") ? u : URI.create(s + "/");
  }

  /**
   * Downloads {@code dest} from the first of {@code urls} that delivers it (with {@code
   * expectedSha} when not null); a present file with the right checksum is kept.
   */
  void download(List<URI> urls, Path dest, String expectedSha, String name) throws IOException {
    if (expectedSha != null && Files.isRegularFile(dest)) {
      if (sha256(dest).equals(expectedSha)) {
        long size = Files.size(dest);
        progress.progress(name, size, size);
        return;
      }
      LOG.warn("fetch {}: existing file has the wrong sha256; downloading it again", name);
      Files.delete(dest);
    }
    Path part = dest.resolveSibling(dest.getFileName() + ".part");
    List<IOException> errors = new ArrayList<>();
    for (URI url : urls) {
      try {
        downloadWithRetries(url, part, name);
      } catch (FetchException e) {
        LOG.warn("fetch {}: {} failed: {}", name, url, e.getMessage());
        errors.add(e);
        continue;
      }
      if (expectedSha != null) {
        String actual = sha256(part);
        if (!actual.equals(expectedSha)) {
          Files.deleteIfExists(part);
          ChecksumMismatchException e =
              new ChecksumMismatchException(name, url.toString(), expectedSha, actual);
          LOG.warn("fetch {}: {}", name, e.getMessage());
          errors.add(e);
          continue;
        }
      }
      Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("fetch {}: done ({} bytes from {})", name, Files.size(dest), url);
      return;
    }
    // a checksum mismatch is the most useful report; otherwise the last mirror's error
    IOException main;
    if (errors.size() == 1) {
      main = errors.get(0);
    } else {
      IOException last = errors.isEmpty() ? null : errors.get(errors.size() - 1);
      main =
          errors.stream()
              .filter(e -> e instanceof ChecksumMismatchException)
              .findFirst()
              .orElse(
                  new FetchException(
                      "cannot fetch "
                          + name
                          + " from any of "
                          + urls
                          + (last == null ? "" : "; last error: " + last.getMessage()),
                      last));
    }
    for (IOException e : errors) {
      if (e != main && e != main.getCause()) main.addSuppressed(e);
    }
    throw main;
  }

  private void downloadWithRetries(URI url, Path part, String name) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        long wait = backoff.toMillis() << Math.min(attempt - 2, 16);
        LOG.info(
            "fetch {}: attempt {} of {} in {} ms after: {}",
            name,
            attempt,
            maxAttempts,
            wait,
            last.toString());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while fetching " + name);
        }
      }
      try {
        downloadOnce(url, part, name);
        return;
      } catch (FetchException e) {
        throw e; // not retryable (e.g. HTTP 404)
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new FetchException(
        "cannot fetch " + name + " from " + url + " after " + maxAttempts + " attempts: " + last,
        last);
  }

  /**
   * One request; throws FetchException for errors a retry cannot fix and plain IOException for the
   * others.
   */
  private void downloadOnce(URI url, Path part, String name) throws IOException {
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(url)
            .timeout(requestTimeout)
            .GET()
            .header("User-Agent", "streamalign-fetch/1");
    if (have > 0) rb.header("Range", "bytes=" + have + "-");
    HttpResponse<InputStream> r;
    try {
      r = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching " + name);
    }
    try (InputStream in = r.body()) {
      int sc = r.statusCode();
      long total;
      boolean append;
      if (sc == 206) {
        String cr = r.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(cr);
        if (!m.find() || Long.parseLong(m.group(1)) != have) {
          Files.deleteIfExists(part);
          throw new IOException(
              "unexpected Content-Range '"
                  + cr
                  + "' for a resume at byte "
                  + have
                  + "; restarting from byte 0");
        }
        total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        append = true;
        LOG.info("fetch {}: resuming at byte {} of {}", name, have, total);
      } else if (sc == 200) {
        if (have > 0)
          LOG.info("fetch {}: server ignored the range request; downloading from byte 0", name);
        have = 0;
        total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        append = false;
      } else if (sc == 416 && have > 0) {
        String cr = r.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE_UNSATISFIED.matcher(cr);
        if (m.find() && Long.parseLong(m.group(1)) == have) {
          progress.progress(name, have, have); // the part was already complete
          return;
        }
        Files.deleteIfExists(part);
        throw new IOException(
            "HTTP 416 for a resume at byte " + have + " (" + cr + "); restarting from byte 0");
      } else if (sc == 429 || sc >= 500) {
        throw new IOException("HTTP " + sc + " from " + url);
      } else {
        throw new FetchException("HTTP " + sc + " from " + url);
      }
      long done = have;
      long nextReport = done + PROGRESS_STEP;
      try (FileChannel out =
          FileChannel.open(
              part,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
          ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
          while (bb.hasRemaining()) out.write(bb);
          done += n;
          if (done >= nextReport) {
            progress.progress(name, done, total);
            nextReport = done + PROGRESS_STEP;
          }
        }
      }
      if (total >= 0 && done != total) {
        throw new IOException("connection closed after " + done + " of " + total + " bytes");
      }
      progress.progress(name, done, total < 0 ? done : total);
    }
  }

  /** Hex sha256 of a file. */
  static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) >= 0; ) md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }
}
