package io.streamalign.ingest.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDirectoryTest {

  @Test
  void optionWinsOverEnvironmentWhichWinsOverTheHomeDefault() {
    Map<String, String> env = Map.of(StateDirectory.ENV, "/srv/streams");
    assertEquals(Path.of("/opt/state"), StateDirectory.base(Path.of("/opt/state"), env));
    assertEquals(Path.of("/srv/streams"), StateDirectory.base(null, env));
    assertEquals(
        Path.of(System.getProperty("user.home"), ".streamalign", "streams"),
        StateDirectory.base(null, Map.of(StateDirectory.ENV, "  ")));
  }

  @Test
  void eachClusterGetsItsOwnDirectoryNeverTheOsTempDirectory() {
    Path base = Path.of("/data/streams");
    Path a = StateDirectory.forCluster(base, "MkU3OEVBNTcwNTJENDM2Qk");
    Path b = StateDirectory.forCluster(base, "5L6g3nShT-eMCtK--X86sw");
    assertEquals(base.resolve("cluster-MkU3OEVBNTcwNTJENDM2Qk"), a);
    assertNotEquals(a, b);
    assertEquals(base, a.getParent());
  }

  @Test
  void aClusterIdThatIsNotOneIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> StateDirectory.forCluster(Path.of("/x"), "../../etc"));
    assertThrows(
        IllegalArgumentException.class, () -> StateDirectory.forCluster(Path.of("/x"), ""));
    assertThrows(
        IllegalArgumentException.class, () -> StateDirectory.forCluster(Path.of("/x"), null));
  }
}
