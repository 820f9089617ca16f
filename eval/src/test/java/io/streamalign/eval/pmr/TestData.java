package io.streamalign.eval.pmr;

import io.streamalign.features.data.DataDir;
import io.streamalign.features.data.Mnist;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The shared data directory for tests, or a skip that says why. */
final class TestData {
  private TestData() {}

  static Path dir() {
    var d = DataDir.find();
    Assumptions.assumeTrue(d.isPresent(), DataDir.notFoundMessage());
    return d.get();
  }

  static Mnist mnist() {
    return Mnist.load(dir());
  }
}
