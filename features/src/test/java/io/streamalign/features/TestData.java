package io.streamalign.features;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Fsdd;
import io.streamalign.features.data.Mnist;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Shared, lazily loaded real data for tests; skips (JUnit assumption) when the data is absent. */
public final class TestData {
  private static List<Fsdd.Clip> clips;
  private static Mnist mnist;

  private TestData() {}

  public static Path dataDirOrSkip() {
    Optional<Path> dir = DataDir.find();
    assumeTrue(dir.isPresent(), DataDir::notFoundMessage);
    return dir.get();
  }

  public static synchronized List<Fsdd.Clip> fsddOrSkip() {
    Path dir = dataDirOrSkip();
    if (clips == null) {
      clips = List.copyOf(Fsdd.load(dir));
    }
    return clips;
  }

  public static synchronized Mnist mnistOrSkip() {
    Path dir = dataDirOrSkip();
    if (mnist == null) {
      mnist = Mnist.load(dir);
    }
    return mnist;
  }
}
