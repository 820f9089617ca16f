package io.streamalign.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo users run: {@code streamalign demo --duration 60} in-process on its own embedded broker,
 * with the live dashboard opened in headless Chromium while it runs (a screenshot is kept in {@code
 * target/demo-it/dashboard.png}), and the report checked at the end: several snapshots, predictions
 * whose model versions advance, and prequential accuracy of at least 3x chance with no skipped
 * non-finite step.
 *
 * <p>The browser part needs Debian's {@code chromium} ({@code .ci/run} installs it); without it
 * that part is skipped with a message and the rest still runs.
 */
class DemoIT {

  private static final Pattern DASHBOARD = Pattern.compile("dashboard: (http://\\S+)");

  @Test
  void demoLearnsServesAndShowsItLive(@TempDir Path tmp) throws Exception {
    Path report = tmp.resolve("report");
    StringWriter outText = new StringWriter();
    StringWriter errText = new StringWriter();
    PrintWriter out = new PrintWriter(outText, true);
    PrintWriter err = new PrintWriter(errText, true);
    CompletableFuture<Integer> demo =
        CompletableFuture.supplyAsync(
            () ->
                StreamAlignCli.execute(
                    out,
                    err,
                    "demo",
                    "--duration",
                    "90",
                    "--port",
                    "0",
                    "--report-dir",
                    report.toString(),
                    "--streams",
                    "4",
                    "--rate",
                    "8"));

    String url = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (url == null && System.nanoTime() < deadline && !demo.isDone()) {
      Matcher m = DASHBOARD.matcher(outText.toString());
      if (m.find()) url = m.group(1);
      else Thread.sleep(200);
    }
    assertTrue(url != null, "the demo printed its dashboard address:\n" + outText + "\n" + errText);

    // Wait (within the run) until the dashboard state has learning points and predictions.
    HttpClient http = HttpClient.newHttpClient();
    String state = "";
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(70);
    while (System.nanoTime() < deadline && !demo.isDone()) {
      state =
          http.send(
                  HttpRequest.newBuilder(URI.create(url + "api/state")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (count(state, "\"predictions\":(\\d+)") > 0 && state.split("\"t\":", -1).length > 3) break;
      Thread.sleep(1000);
    }
    assertTrue(
        count(state, "\"predictions\":(\\d+)") > 0,
        "dashboard saw predictions: " + abbreviate(state));

    final String dashboard = url;
    Path shots = Path.of("target", "demo-it");
    Files.createDirectories(shots);
    Chromium.find()
        .ifPresentOrElse(
            chromium -> {
              try {
                chromium.screenshot(
                    dashboard + "?poll",
                    shots.resolve("dashboard.png"),
                    tmp.resolve("chrome-profile-2"));
                String dom = chromium.dumpDom(dashboard + "?poll", tmp.resolve("chrome-profile"));
                assertTrue(!demo.isDone(), "the page was looked at while the demo ran");
                Matcher points = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
                assertTrue(
                    points.find() && Integer.parseInt(points.group(1)) > 0,
                    "charts received points:\n" + abbreviate(dom));
                assertTrue(
                    Pattern.compile("<td data-version=\"\">v\\d+</td>").matcher(dom).find(),
                    "a prediction with a model version is shown:\n" + abbreviate(dom));
                assertTrue(
                    Files.size(shots.resolve("dashboard.png")) > 30_000,
                    "screenshot of the live page written");
              } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
              }
            },
            () ->
                System.err.println(
                    "DemoIT: browser check skipped: no chromium on PATH (apt-get install chromium)"));

    int code = demo.get(150, TimeUnit.SECONDS);
    assertEquals(0, code, "demo exit code; stderr:\n" + abbreviate(errText.toString()));
    String md = Files.readString(report.resolve("report.md"));
    Files.writeString(shots.resolve("report.md"), md);

    long snapshots =
        count(md, "\\| snapshots published \\(trainer metrics records\\) \\| (\\d+) \\|");
    assertTrue(snapshots >= 3, "several snapshots published:\n" + md);
    Matcher served =
        Pattern.compile("\\| model versions served \\| \\[([0-9, ]*)\\] \\|").matcher(md);
    assertTrue(served.find(), md);
    List<Long> versions = new ArrayList<>();
    for (String v : served.group(1).split(",\\s*"))
      if (!v.isBlank()) versions.add(Long.parseLong(v.trim()));
    assertTrue(
        versions.size() >= 2,
        "predictions came from advancing model versions: " + versions + "\n" + md);
    Matcher fused = Pattern.compile("\\| prequential accuracy FUSED \\| ([0-9.]+) \\|").matcher(md);
    assertTrue(fused.find(), md);
    Matcher classes = Pattern.compile("\\| classes seen \\| (\\d+) \\|").matcher(md);
    double chance = classes.find() ? 1.0 / Integer.parseInt(classes.group(1)) : 0.1;
    // at least 3x chance (the learner reaches 0.74-0.83 with 10 classes on a loaded 2-core
    // machine);
    // the divergences seen in session 1 (0.17-0.30, hundreds of skipped steps) came from DJL
    // reading
    // freed scalar constants in backward, fixed in the model module (Ops, OpsTest)
    assertTrue(
        Double.parseDouble(fused.group(1)) >= 3 * chance,
        "prequential accuracy " + fused.group(1) + " is at least 3x chance " + chance + "\n" + md);
    Matcher skipped = Pattern.compile("\\| skipped non-finite steps \\| (\\d+) \\|").matcher(md);
    assertTrue(skipped.find(), md);
    assertEquals(
        0, Integer.parseInt(skipped.group(1)), "learn steps skipped for non-finite values\n" + md);
  }

  private static long count(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static String abbreviate(String s) {
    return s.length() > 4000 ? s.substring(0, 4000) + "..." : s;
  }

  /** Debian's headless Chromium, started as the workplace documents (no network, fresh profile). */
  record Chromium(String binary) {
    static java.util.Optional<Chromium> find() {
      for (String b :
          new String[] {
            "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"
          }) {
        if (Files.isExecutable(Path.of(b))) return java.util.Optional.of(new Chromium(b));
      }
      return java.util.Optional.empty();
    }

    private List<String> base(Path profile) {
      return new ArrayList<>(
          List.of(
              binary,
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-quic",
              "--no-first-run",
              "--disable-background-networking",
              "--disable-component-update",
              "--disable-sync",
              "--disable-dev-shm-usage",
              "--user-data-dir=" + profile,
              "--window-size=1400,1100",
              // polling mode (?poll): requests complete, so virtual time runs and the page updates
              "--virtual-time-budget=8000"));
    }

    String dumpDom(String url, Path profile) throws IOException, InterruptedException {
      List<String> cmd = base(profile);
      cmd.add("--dump-dom");
      cmd.add(url);
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] dom = p.getInputStream().readAllBytes();
      if (!p.waitFor(90, TimeUnit.SECONDS)) p.destroyForcibly();
      return new String(dom, StandardCharsets.UTF_8);
    }

    void screenshot(String url, Path png, Path profile) throws IOException, InterruptedException {
      List<String> cmd = base(profile);
      cmd.add("--screenshot=" + png.toAbsolutePath());
      cmd.add(url);
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }
}
