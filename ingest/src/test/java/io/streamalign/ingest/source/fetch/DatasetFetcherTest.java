package io.streamalign.ingest.source.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DatasetFetcher} against a loopback HTTP server serving the real data of {@code
 * shared/data} (never the internet): MNIST with a dropped connection resumed by a range request,
 * retries, checksum mismatch, and FSDD repacked byte for byte from a GitHub-style zip archive built
 * from the shared recordings.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatasetFetcherTest {
  static final String IMAGES = "t10k-images-idx3-ubyte.gz";
  static final String LABELS = "t10k-labels-idx1-ubyte.gz";

  static Path data;
  static LoopbackServer server;
  @TempDir Path to;

  @BeforeAll
  static void serve() throws IOException {
    data = DataDir.find().orElse(null);
    assumeTrue(data != null, DataDir.notFoundMessage());
    server = new LoopbackServer();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static DatasetFetcher fetcher(List<String> log) {
    return new DatasetFetcher(
        DatasetFetcher.defaultClient(),
        3,
        Duration.ofMillis(20),
        Duration.ofSeconds(20),
        (f, b, t) -> log.add(f + " " + b + " " + t));
  }

  private static byte[] shared(String rel) throws IOException {
    return Files.readAllBytes(data.resolve(rel));
  }

  /** Serves the MNIST files under /{dir}/. */
  private static URI serveMnist(String dir) throws IOException {
    server.files.put("/" + dir + "/" + IMAGES, shared("mnist/" + IMAGES));
    server.files.put("/" + dir + "/" + LABELS, shared("mnist/" + LABELS));
    return server.base(dir);
  }

  @Test
  void mnistDownloadResumesWithARangeRequestAfterADroppedConnection() throws Exception {
    URI base = serveMnist("m1");
    server.dropOnce.add("/m1/" + IMAGES);
    List<String> log = new ArrayList<>();
    Path dir = fetcher(log).fetch("mnist", to, base);
    assertEquals(to.resolve("mnist"), dir);
    assertArrayEquals(shared("mnist/" + IMAGES), Files.readAllBytes(dir.resolve(IMAGES)));
    assertArrayEquals(shared("mnist/" + LABELS), Files.readAllBytes(dir.resolve(LABELS)));
    assertFalse(Files.exists(dir.resolve(IMAGES + ".part")));

    List<LoopbackServer.Request> images =
        server.requests.stream().filter(r -> r.path().equals("/m1/" + IMAGES)).toList();
    assertEquals(2, images.size(), images.toString());
    assertEquals(200, images.get(0).status());
    assertEquals(206, images.get(1).status(), "second request resumes");
    long resumedAt = Long.parseLong(images.get(1).range().replaceAll("\\D", ""));
    long size = Files.size(dir.resolve(IMAGES));
    assertTrue(resumedAt > 0 && resumedAt <= size / 2, "resumed at " + resumedAt + " of " + size);
    assertTrue(log.contains("mnist/" + IMAGES + " " + size + " " + size), log.toString());
    assertTrue(
        log.stream()
            .anyMatch(
                l ->
                    l.startsWith("mnist/" + IMAGES + " ")
                        && !l.startsWith("mnist/" + IMAGES + " " + size)),
        "intermediate progress reported");
    assertEquals(10_000, Mnist.load(to).size());

    // a second fetch finds verified files and downloads nothing
    long before = server.requests.size();
    fetcher(new ArrayList<>()).fetch("MNIST", to, base);
    assertEquals(before, server.requests.size());
  }

  @Test
  void serverErrorsAreRetriedAndARangeIgnoringServerGetsAFullDownload() throws Exception {
    URI base = serveMnist("m2");
    server.statusOnce.put("/m2/" + LABELS, 503);
    Path mnist = Files.createDirectories(to.resolve("mnist"));
    byte[] images = shared("mnist/" + IMAGES);
    Files.write(
        mnist.resolve(IMAGES + ".part"), Arrays.copyOf(images, 1000)); // left by an earlier run
    server.ignoreRange = true;
    try {
      fetcher(new ArrayList<>()).fetch("mnist", to, base);
    } finally {
      server.ignoreRange = false;
    }
    assertEquals(2, server.count("/m2/" + LABELS));
    assertEquals(1, server.count("/m2/" + IMAGES));
    assertArrayEquals(images, Files.readAllBytes(mnist.resolve(IMAGES)));
    assertArrayEquals(shared("mnist/" + LABELS), Files.readAllBytes(mnist.resolve(LABELS)));
  }

  @Test
  void aCompletePartFileIsFinishedByA416() throws Exception {
    URI base = serveMnist("m3");
    Path mnist = Files.createDirectories(to.resolve("mnist"));
    Files.write(mnist.resolve(LABELS + ".part"), shared("mnist/" + LABELS));
    fetcher(new ArrayList<>()).fetch("mnist", to, base);
    assertEquals(
        416,
        server.requests.stream()
            .filter(r -> r.path().equals("/m3/" + LABELS))
            .findFirst()
            .orElseThrow()
            .status());
    assertArrayEquals(shared("mnist/" + LABELS), Files.readAllBytes(mnist.resolve(LABELS)));
  }

  @Test
  void checksumMismatchIsAClearErrorAndTheBadFileIsDeleted() throws Exception {
    URI base = serveMnist("m4");
    byte[] bad = shared("mnist/" + LABELS);
    bad[bad.length / 2] ^= 0x5a;
    server.files.put("/m4/" + LABELS, bad);
    ChecksumMismatchException e =
        assertThrows(
            ChecksumMismatchException.class,
            () -> fetcher(new ArrayList<>()).fetch("mnist", to, base));
    assertEquals("mnist/" + LABELS, e.file());
    assertEquals("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", e.expected());
    assertEquals(DatasetFetcher.sha256(writeTemp(bad)), e.actual());
    assertTrue(
        e.getMessage().contains("sha256 mismatch") && e.getMessage().contains("deleted"),
        e.getMessage());
    assertFalse(Files.exists(to.resolve("mnist/" + LABELS)));
    assertFalse(Files.exists(to.resolve("mnist/" + LABELS + ".part")));
    assertTrue(Files.exists(to.resolve("mnist/" + IMAGES)), "the good file is kept");
  }

  @Test
  void httpNotFoundIsNotRetriedAndUnknownDataSetsAreRejected() throws Exception {
    URI base = server.base("nothing-here");
    FetchException e =
        assertThrows(
            FetchException.class, () -> fetcher(new ArrayList<>()).fetch("mnist", to, base));
    assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    assertEquals(1, server.count("/nothing-here/" + IMAGES));
    assertThrows(
        IllegalArgumentException.class, () -> fetcher(new ArrayList<>()).fetch("cifar", to, base));
  }

  @Test
  void tarHeadersAreThoseOfTheSharedTar() throws Exception {
    byte[] tar = new byte[1024];
    try (InputStream in = Files.newInputStream(data.resolve("fsdd/recordings.tar"))) {
      assertEquals(1024, in.readNBytes(tar, 0, 1024));
    }
    assertArrayEquals(Arrays.copyOfRange(tar, 0, 512), FsddRepack.header("recordings/", 0, '5'));
    assertArrayEquals(
        Arrays.copyOfRange(tar, 512, 1024),
        FsddRepack.header("recordings/0_george_0.wav", 4812, '0'));
  }

  @Test
  void fsddArchiveIsRepackedByteForByteAndATamperedRecordingIsRejected() throws Exception {
    byte[] tarBytes = shared("fsdd/recordings.tar");
    List<String> lines = Files.readAllLines(data.resolve("fsdd/index.csv"));
    String root = "free-spoken-digit-dataset-" + DatasetFetcher.FSDD_COMMIT + "/";
    Map<String, byte[]> zips = new ConcurrentHashMap<>();
    for (boolean tamper : new boolean[] {false, true}) {
      java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream(25 << 20);
      try (ZipOutputStream z = new ZipOutputStream(bos)) {
        z.setLevel(Deflater.BEST_SPEED);
        put(
            z,
            root + "README.md",
            "# Free Spoken Digit Dataset\n".getBytes(StandardCharsets.UTF_8));
        put(
            z,
            root + "utils/spectogramer.py",
            "print('not a recording')\n".getBytes(StandardCharsets.UTF_8));
        for (String line : lines.subList(1, lines.size())) {
          String[] c = line.split(",");
          byte[] wav =
              Arrays.copyOfRange(
                  tarBytes,
                  Integer.parseInt(c[5]),
                  Integer.parseInt(c[5]) + Integer.parseInt(c[6]));
          if (tamper && c[0].equals("recordings/7_theo_12.wav")) wav[100] ^= 1;
          put(z, root + c[0], wav);
        }
      }
      zips.put(tamper ? "bad" : "good", bos.toByteArray());
    }
    server.files.put("/fsdd-good/" + DatasetFetcher.FSDD_COMMIT + ".zip", zips.get("good"));
    server.files.put("/fsdd-bad/" + DatasetFetcher.FSDD_COMMIT + ".zip", zips.get("bad"));

    Path bad = to.resolve("bad");
    ChecksumMismatchException e =
        assertThrows(
            ChecksumMismatchException.class,
            () -> fetcher(new ArrayList<>()).fetch("fsdd", bad, server.base("fsdd-bad")));
    assertEquals("fsdd/recordings.tar", e.file());
    try (var s = Files.list(bad.resolve("fsdd"))) {
      List<Path> left = s.filter(p -> !p.getFileName().toString().endsWith(".zip")).toList();
      assertTrue(left.isEmpty(), "nothing unverified is left: " + left);
    }

    List<String> log = new ArrayList<>();
    Path dir = fetcher(log).fetch("fsdd", to, server.base("fsdd-good"));
    for (String f : List.of("recordings.tar", "index.csv", "speakers.csv")) {
      assertEquals(
          DatasetFetcher.sha256(data.resolve("fsdd/" + f)),
          DatasetFetcher.sha256(dir.resolve(f)),
          f);
    }
    assertFalse(
        Files.exists(
            dir.resolve("free-spoken-digit-dataset-" + DatasetFetcher.FSDD_COMMIT + ".zip")));
    assertTrue(
        log.stream().anyMatch(l -> l.startsWith("fsdd/free-spoken-digit-dataset-")),
        log.toString());
    Files.createDirectories(to.resolve("mnist"));
    assertEquals(3000, Fsdd.load(to).size());
    long before = server.requests.size();
    fetcher(new ArrayList<>()).fetch("fsdd", to, server.base("fsdd-good"));
    assertEquals(before, server.requests.size(), "verified files are not fetched again");
  }

  private static void put(ZipOutputStream z, String name, byte[] b) throws IOException {
    z.putNextEntry(new ZipEntry(name));
    z.write(b);
    z.closeEntry();
  }

  private Path writeTemp(byte[] b) throws IOException {
    Path p = Files.createTempFile(to, "x", ".bin");
    try (OutputStream o = Files.newOutputStream(p)) {
      o.write(b);
    }
    return p;
  }
}
