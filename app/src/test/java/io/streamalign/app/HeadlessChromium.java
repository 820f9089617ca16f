package io.streamalign.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium with a fake camera and microphone, driven over the DevTools protocol
 * (a WebSocket, {@code java.net.http}): evaluate JavaScript in the page, take screenshots. Started
 * with a fresh profile, no network services, and {@code --no-sandbox} (tests run as root); closed,
 * it kills the process.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  /** The chromium binary, if installed. */
  static Optional<Path> find() {
    for (String b :
        new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
      if (Files.isExecutable(Path.of(b))) return Optional.of(Path.of(b));
    }
    return Optional.empty();
  }

  /**
   * Starts chromium on {@code url}.
   *
   * @param fakeVideo a {@code .y4m} or {@code .mjpeg} clip for the fake camera, or null for
   *     chromium's own pattern
   * @param fakeAudio a {@code .wav} for the fake microphone, or null for chromium's beep
   */
  static HeadlessChromium launch(
      Path binary, Path profile, String url, Path fakeVideo, Path fakeAudio)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--mute-audio",
                "--user-data-dir=" + profile,
                "--window-size=1400,1150",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required"));
    if (fakeVideo != null) cmd.add("--use-file-for-fake-video-capture=" + fakeVideo);
    if (fakeAudio != null) cmd.add("--use-file-for-fake-audio-capture=" + fakeAudio);
    cmd.add(url);
    Files.createDirectories(profile);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
            .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<String> lines = List.of();
      while (System.nanoTime() < deadline && p.isAlive()) {
        if (Files.exists(portFile)) {
          lines = Files.readAllLines(portFile);
          if (lines.size() >= 2) break;
        }
        Thread.sleep(100);
      }
      if (lines.size() < 2)
        throw new IOException(
            "chromium did not open its DevTools port (exit "
                + (p.isAlive() ? "-" : p.exitValue())
                + ")");
      int port = Integer.parseInt(lines.get(0).trim());
      HttpClient http = HttpClient.newHttpClient();
      String ws = null;
      while (ws == null && System.nanoTime() < deadline) {
        JsonNode targets =
            JSON.readTree(
                http.send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/json/list"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
        for (JsonNode t : targets) {
          if ("page".equals(t.path("type").asText())) ws = t.path("webSocketDebuggerUrl").asText();
        }
        if (ws == null) Thread.sleep(200);
      }
      if (ws == null) throw new IOException("chromium has no page target");
      return new HeadlessChromium(p, http, URI.create(ws));
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  private HeadlessChromium(Process process, HttpClient http, URI ws) {
    this.process = process;
    this.socket =
        http.newWebSocketBuilder()
            .buildAsync(
                ws,
                new WebSocket.Listener() {
                  private final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      try {
                        JsonNode msg = JSON.readTree(text.toString());
                        CompletableFuture<JsonNode> f =
                            msg.has("id") ? pending.remove(msg.get("id").asInt()) : null;
                        if (f != null) {
                          if (msg.has("error"))
                            f.completeExceptionally(
                                new IOException("DevTools: " + msg.get("error")));
                          else f.complete(msg.path("result"));
                        }
                      } catch (IOException e) {
                        // not JSON: ignore
                      }
                      text.setLength(0);
                    }
                    w.request(1);
                    return null;
                  }
                })
            .join();
  }

  /** One DevTools call. */
  JsonNode call(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", params == null ? JSON.createObjectNode() : params);
    socket.sendText(JSON.writeValueAsString(msg), true).join();
    return f.get(60, TimeUnit.SECONDS);
  }

  /**
   * Evaluates {@code expression} in the page (awaiting a promise) and returns its value as JSON.
   */
  JsonNode eval(String expression) throws Exception {
    JsonNode r =
        call(
            "Runtime.evaluate",
            JSON.createObjectNode()
                .put("expression", expression)
                .put("returnByValue", true)
                .put("awaitPromise", true));
    if (r.has("exceptionDetails"))
      throw new AssertionError("page threw: " + r.get("exceptionDetails"));
    return r.path("result").path("value");
  }

  /** A PNG of the page as it is now. */
  byte[] screenshot() throws Exception {
    JsonNode r = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
    return Base64.getDecoder().decode(r.path("data").asText());
  }

  @Override
  public void close() {
    try {
      socket.abort();
    } catch (RuntimeException e) {
      // closing anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
