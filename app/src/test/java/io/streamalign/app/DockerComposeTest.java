package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose.yml} is valid ({@code docker-compose config} from Debian's docker-compose
 * package; no Docker engine needed) and names every service and port the README mentions.
 */
class DockerComposeTest {

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("docker-compose.yml"))) p = p.getParent();
    if (p == null)
      throw new AssertionError(
          "docker-compose.yml not found above " + Path.of("").toAbsolutePath());
    return p;
  }

  private static String run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker-compose finished");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  @Test
  void composeFileIsValidAndMatchesTheReadme() throws Exception {
    boolean installed =
        Files.isExecutable(Path.of("/usr/bin/docker-compose"))
            || Files.isExecutable(Path.of("/usr/local/bin/docker-compose"));
    Assumptions.assumeTrue(
        installed,
        "docker-compose is not installed (apt-get install docker-compose); .ci/run installs it");
    Path root = root();
    run(root, "docker-compose", "-f", "docker-compose.yml", "config", "-q");
    Set<String> services =
        new TreeSet<>(
            List.of(
                run(
                        root,
                        "docker-compose",
                        "-f",
                        "docker-compose.yml",
                        "--profile",
                        "gpu",
                        "config",
                        "--services")
                    .trim()
                    .split("\\s+")));
    String config =
        run(root, "docker-compose", "-f", "docker-compose.yml", "--profile", "gpu", "config");

    String readme = Files.readString(root.resolve("README.md"));
    int from = readme.indexOf("### docker compose");
    assertTrue(from >= 0, "README has a docker compose section");
    String section = readme.substring(from, readme.indexOf("\n## ", from));
    Matcher services_ =
        Pattern.compile("`([a-z-]+)`\\s*(?:\\(port (\\d+)\\)|\\(profile `[a-z]+`\\))?")
            .matcher(section.substring(section.indexOf("Services:")));
    int named = 0;
    while (services_.find()) {
      String name = services_.group(1);
      assertTrue(
          services.contains(name),
          "README names service '" + name + "' that compose has: " + services);
      named++;
      if (services_.group(2) != null) {
        assertTrue(
            config.contains("published: " + services_.group(2))
                || config.contains(":" + services_.group(2)),
            "compose publishes port " + services_.group(2) + " for " + name + ":\n" + config);
      }
    }
    assertEquals(services.size(), named, "README names every compose service " + services);
    for (String port : List.of("9092", "9464", "8081")) {
      assertTrue(section.contains(port), "README mentions port " + port);
    }
    assertTrue(
        config.contains("capabilities:") && config.contains("gpu"),
        "the GPU profile reserves a GPU device");

    // every published port is on the host's loopback only (issue 17: no unauthenticated listener on
    // all interfaces)
    Matcher port =
        Pattern.compile("(?m)^\\s*-\\s*\"?([0-9.:]*\\d+:\\d+(?:/tcp|/udp)?)\"?\\s*$")
            .matcher(config);
    int published = 0;
    while (port.find()) {
      published++;
      assertTrue(
          port.group(1).startsWith("127.0.0.1:"),
          "port " + port.group(1) + " is published beyond 127.0.0.1");
    }
    Matcher longForm = Pattern.compile("(?m)^\\s*host_ip:\\s*(\\S+)").matcher(config);
    while (longForm.find()) {
      published++;
      assertEquals("127.0.0.1", longForm.group(1), "a port is published beyond 127.0.0.1");
    }
    assertTrue(published >= 3, "the broker, trainer and serving ports are published:\n" + config);
  }
}
