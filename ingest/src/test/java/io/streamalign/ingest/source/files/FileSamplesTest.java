package io.streamalign.ingest.source.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.schemas.avro.FrameEncoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSamplesTest {
  @TempDir Path root;

  @Test
  void groupsFilesOfAClassByBaseNameAndReportsDuplicates() throws Exception {
    TestDirs.mixed(root);
    FileSamples.Scan scan = FileSamples.scan(root);
    assertEquals(List.of("cat", "dog"), scan.classes());
    Map<String, FileSample> byId =
        scan.samples().stream().collect(Collectors.toMap(FileSample::id, Function.identity()));
    assertEquals(
        List.of(
            "cat/001",
            "cat/002",
            "dog/001",
            "dog/002",
            "dog/003",
            "dog/bad",
            "dog/empty",
            "dog/trunc"),
        scan.samples().stream().map(FileSample::id).toList());
    FileSample cat1 = byId.get("cat/001");
    assertEquals(root.resolve("cat/001.png"), cat1.image());
    assertEquals(root.resolve("cat/001.wav"), cat1.audio());
    assertEquals(root.resolve("cat/001.txt"), cat1.text());
    assertEquals(root.resolve("cat/002.jpg"), byId.get("cat/002").image());
    assertNull(byId.get("cat/002").audio());
    assertEquals(List.of(root.resolve("dog/001.wav")), byId.get("dog/001").files());
    // 003.jpeg sorts before 003.png, so the JPEG is used and the PNG is the reported duplicate
    assertEquals(root.resolve("dog/003.jpeg"), byId.get("dog/003").image());
    assertEquals(1, scan.problems().size());
    assertEquals(root.resolve("dog/003.png"), scan.problems().get(0).file());
    assertTrue(
        scan.problems().get(0).reason().contains("duplicate image"),
        scan.problems().get(0).reason());
  }

  @Test
  void interleavesClassesRoundRobin() throws Exception {
    TestDirs.mixed(root);
    List<String> ids =
        FileSamples.interleaveClasses(FileSamples.scan(root).samples()).stream()
            .map(FileSample::id)
            .toList();
    assertEquals(
        List.of(
            "cat/001",
            "dog/001",
            "cat/002",
            "dog/002",
            "dog/003",
            "dog/bad",
            "dog/empty",
            "dog/trunc"),
        ids);
  }

  @Test
  void readsImagesAudioAndTextAndReportsBadFilesWithReasons() throws Exception {
    TestDirs.mixed(root);
    Map<String, FileSample> byId =
        FileSamples.scan(root).samples().stream()
            .collect(Collectors.toMap(FileSample::id, Function.identity()));
    List<FileProblem> problems = new ArrayList<>();

    FileSamples.Loaded cat1 = FileSamples.read(byId.get("cat/001"), problems::add);
    assertEquals(FrameEncoding.PNG, cat1.image().encoding());
    assertEquals(8, cat1.image().width());
    assertEquals(6, cat1.image().height());
    assertEquals(3, cat1.image().channels());
    assertArrayEquals(
        Files.readAllBytes(root.resolve("cat/001.png")),
        cat1.image().data(),
        "PNG bytes sent as-is");
    assertEquals(8000, cat1.audio().sampleRate());
    assertEquals(1, cat1.audio().channels());
    assertArrayEquals(TestDirs.tone(800, 8000, 440), cat1.audio().samples());
    assertEquals("a cat meows", cat1.text(), "BOM dropped, trimmed");

    FileSamples.Loaded cat2 = FileSamples.read(byId.get("cat/002"), problems::add);
    assertEquals(FrameEncoding.JPEG, cat2.image().encoding());
    assertEquals(10, cat2.image().width());
    assertEquals(12, cat2.image().height());
    assertEquals(1, cat2.image().channels());

    FileSamples.Loaded dog1 = FileSamples.read(byId.get("dog/001"), problems::add);
    assertEquals(16000, dog1.audio().sampleRate());
    assertEquals(2, dog1.audio().channels());
    assertEquals(800, dog1.audio().frames());
    assertNull(dog1.image());
    assertTrue(problems.isEmpty(), problems.toString());

    for (String bad : List.of("dog/bad", "dog/trunc", "dog/empty")) {
      FileSamples.Loaded l = FileSamples.read(byId.get(bad), problems::add);
      assertTrue(l.isEmpty(), bad);
    }
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).reason().contains("not a PNG or JPEG"), problems.get(0).reason());
    assertTrue(problems.get(1).reason().startsWith("bad WAV"), problems.get(1).reason());
    assertTrue(problems.get(2).reason().contains("empty text"), problems.get(2).reason());
  }

  @Test
  void truncatedPngAndMissingFileAreReportedNotThrown() throws Exception {
    TestDirs.png(root.resolve("a/x.png"), 40, 40, java.awt.Color.RED);
    byte[] full = Files.readAllBytes(root.resolve("a/x.png"));
    Files.write(root.resolve("a/y.png"), java.util.Arrays.copyOf(full, full.length / 2));
    List<FileProblem> problems = new ArrayList<>();
    FileSamples.Loaded y =
        FileSamples.read(
            new FileSample("a", "y", root.resolve("a/y.png"), null, null), problems::add);
    assertNull(y.image());
    FileSamples.Loaded z =
        FileSamples.read(
            new FileSample("a", "z", null, root.resolve("a/z.wav"), root.resolve("a/z.txt")),
            problems::add);
    assertTrue(z.isEmpty());
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).reason().startsWith("undecodable PNG"), problems.get(0).reason());
    assertTrue(problems.get(1).reason().contains("NoSuchFileException"), problems.get(1).reason());
  }

  @Test
  void missingDirectoryIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FileSamples.scan(root.resolve("nope")));
    assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
  }

  @Test
  void readImageRejectsUnknownBytes() throws Exception {
    Path p = root.resolve("x.png");
    Files.write(p, new byte[] {1, 2, 3, 4});
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> FileSamples.readImage(p));
    assertNotNull(e.getMessage());
  }
}
