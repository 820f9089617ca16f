package io.streamalign.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamalign.http.HttpError;
import io.streamalign.http.Reply;
import io.streamalign.http.Route;
import io.streamalign.ingest.source.Moment;
import io.streamalign.ingest.source.live.LiveCapture;
import io.streamalign.ingest.source.live.LiveCaptureException;
import io.streamalign.ingest.source.live.LiveLimits;
import io.streamalign.schemas.avro.Modality;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The capture page and its API ({@link #routes()}, served by the dashboard's {@link
 * DashboardServer} with the project's HTTP rules: loopback by default, bounded bodies and threads;
 * every POST checks Origin and, when one is configured, the bearer token; README "HTTP security"):
 *
 * <ul>
 *   <li>{@code POST /api/capture/open}: a new session (one per browser tab) with its own stream id,
 *       and the limits the page must keep (frame size, frame rate, sample rate, chunk length);
 *   <li>{@code POST /api/capture/moment?stream=ID}: one moment as JSON {@code {width, height, frame
 *       (base64 gray bytes), sampleRate, audio (base64 PCM16 little-endian mono, the samples since
 *       the previous moment), text?, label?}}, published by {@link LiveCapture} as ordinary raw
 *       records;
 *   <li>{@code POST /api/capture/enroll}: {@code {stream, className, seconds, modalities}}: support
 *       examples of a new class from the last seconds of the stream, through the {@link Enroller};
 *   <li>{@code POST /api/capture/close?stream=ID};
 *   <li>{@code GET /api/capture/events?stream=ID}: server-sent events, {@code prediction} for each
 *       new prediction of that stream and {@code state} (class names, model versions, accuracy and
 *       rho curves, the stream's counters) once a second.
 * </ul>
 */
public final class CaptureApi {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_ENROLL_SECONDS = 10;

  private final LiveCapture capture;
  private final DashboardState state;
  private final Enroller enroller;

  /**
   * @param enroller null when enrollment is off (the enroll call then answers 503)
   */
  public CaptureApi(LiveCapture capture, DashboardState state, Enroller enroller) {
    this.capture = capture;
    this.state = state;
    this.enroller = enroller;
  }

  public LiveLimits limits() {
    return capture.limits();
  }

  /** The page, its worklet, the API calls and the per-stream event stream, as dashboard routes. */
  public List<Route> routes() {
    long body = maxBodyBytes();
    return List.of(
        Route.get("/capture", ex -> resource("capture.html")),
        Route.get("/capture/worklet.js", ex -> resource("capture-worklet.js")),
        Route.post("/api/capture/open", 1024, ex -> open()),
        Route.post(
            "/api/capture/moment", body, ex -> moment(ex.query("stream").orElse(null), ex.body())),
        Route.post("/api/capture/enroll", 16 * 1024, ex -> enroll(ex.body())),
        Route.post("/api/capture/close", 1024, ex -> close(ex.query("stream").orElse(null))),
        Route.stream(
            "/api/capture/events",
            (ex, sink) -> {
              String stream = ex.query("stream").orElse(null);
              try {
                capture.stats(stream);
              } catch (LiveCaptureException e) {
                throw new HttpError(status(e), e.getMessage());
              }
              events(stream, sink, sink::closing);
            }));
  }

  /** Largest request body any capture call needs. */
  public int maxBodyBytes() {
    return Math.max(capture.limits().maxMomentBytes(), 16 * 1024);
  }

  /**
   * The page ({@code capture.html}) or its audio worklet ({@code capture-worklet.js}), from the
   * jar.
   */
  public static Reply resource(String name) throws IOException {
    // the page's resources are fixed names, never taken from the request
    String type =
        name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
    try (InputStream in = CaptureApi.class.getResourceAsStream(name)) {
      if (in == null) return Reply.error(500, name + " missing from the jar");
      return Reply.of(200, type, in.readAllBytes());
    }
  }

  public Reply open() {
    try {
      String id = capture.open();
      LiveLimits l = capture.limits();
      return Reply.json(
          200,
          "{\"stream\":"
              + DashboardState.str(id)
              + ",\"width\":"
              + l.maxWidth()
              + ",\"height\":"
              + l.maxHeight()
              + ",\"maxFps\":"
              + DashboardState.num(l.maxFps())
              + ",\"sampleRate\":"
              + l.sampleRate()
              + ",\"chunkMs\":"
              + l.chunkMs()
              + ",\"maxAudioMs\":"
              + l.maxAudioMsPerMoment()
              + ",\"maxTextChars\":"
              + l.maxTextChars()
              + ",\"recentMs\":"
              + l.recentMs()
              + ",\"enroll\":"
              + (enroller != null)
              + "}");
    } catch (LiveCaptureException e) {
      return refused(e);
    }
  }

  public Reply moment(String stream, byte[] body) {
    LiveCapture.Input in;
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) return Reply.error(400, "a JSON object is needed");
      byte[] gray = base64(n, "frame");
      byte[] pcm = base64(n, "audio");
      if (pcm.length % 2 != 0)
        return Reply.error(400, "audio is PCM16: an even number of bytes is needed");
      short[] audio = new short[pcm.length / 2];
      ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(audio);
      in =
          new LiveCapture.Input(
              n.path("width").asInt(0),
              n.path("height").asInt(0),
              gray,
              n.path("sampleRate").asInt(0),
              audio,
              text(n, "text"),
              text(n, "label"));
    } catch (IOException | IllegalArgumentException e) {
      return Reply.error(400, "malformed moment: " + e.getMessage());
    }
    try {
      Moment m = capture.publish(stream, in);
      return Reply.json(
          200,
          "{\"seq\":"
              + m.seq()
              + ",\"eventTime\":"
              + m.eventTimeMs()
              + ",\"audio\":"
              + (m.audio() != null)
              + ",\"labeled\":"
              + (m.label() != null)
              + "}");
    } catch (LiveCaptureException e) {
      return refused(e);
    }
  }

  public Reply enroll(byte[] body) {
    if (enroller == null) return Reply.error(503, "enrollment is not enabled");
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) return Reply.error(400, "a JSON object is needed");
      String stream = text(n, "stream");
      String className = text(n, "className");
      long seconds = n.path("seconds").asLong(5);
      if (seconds < 1 || seconds > MAX_ENROLL_SECONDS) {
        return Reply.error(400, "seconds must be in 1.." + MAX_ENROLL_SECONDS);
      }
      Set<Modality> mods = EnumSet.noneOf(Modality.class);
      String m = n.path("modalities").asText("AUDIO,VIDEO");
      for (String s : m.split(",")) {
        try {
          mods.add(Modality.valueOf(s.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          return Reply.error(400, "modalities are AUDIO and/or VIDEO, got " + m);
        }
      }
      List<LiveCapture.Captured> moments = capture.recent(stream, seconds * 1000);
      int k = enroller.enrollCaptured(className, mods, moments);
      return Reply.json(
          200,
          "{\"enrolled\":"
              + k
              + ",\"className\":"
              + DashboardState.str(className.strip())
              + ",\"moments\":"
              + moments.size()
              + "}");
    } catch (LiveCaptureException e) {
      return refused(e);
    } catch (IOException | IllegalArgumentException e) {
      return Reply.error(400, String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      return Reply.error(500, e.toString());
    }
  }

  public Reply close(String stream) {
    return capture.close(stream)
        ? Reply.json(200, "{\"closed\":true}")
        : Reply.error(404, "no open capture session '" + stream + "'");
  }

  /**
   * Streams the events of {@code stream} until {@code stop} says so, the session is gone or the
   * sink fails: each new prediction of the stream at once (polled every 200 ms), and the state once
   * a second.
   */
  public void events(String stream, Route.EventSink out, BooleanSupplier stop)
      throws IOException, InterruptedException {
    long lastN = 0;
    // predictions made before the page connected are of this stream too: send the last few
    List<DashboardState.StreamPrediction> backlog = state.predictionsOf(stream, 0);
    long nextState = 0;
    for (DashboardState.StreamPrediction p : backlog) {
      out.send("prediction", DashboardState.toJson(p));
      lastN = p.n();
    }
    while (!stop.getAsBoolean()) {
      for (DashboardState.StreamPrediction p : state.predictionsOf(stream, lastN)) {
        out.send("prediction", DashboardState.toJson(p));
        lastN = p.n();
      }
      long now = System.currentTimeMillis();
      if (now >= nextState) {
        LiveCapture.StreamStats st;
        try {
          st = capture.stats(stream);
        } catch (LiveCaptureException e) {
          out.send("closed", "{\"error\":" + DashboardState.str(e.getMessage()) + "}");
          return;
        }
        String s = state.captureJson(300);
        out.send(
            "state",
            s.substring(0, s.length() - 1)
                + ",\"stream\":{\"moments\":"
                + st.moments()
                + ",\"labeled\":"
                + st.labeled()
                + ",\"audioSamples\":"
                + st.audioSamples()
                + ",\"refused\":"
                + st.refused()
                + ",\"sendFailures\":"
                + st.sendFailures()
                + "}}");
        nextState = now + 1000;
      }
      Thread.sleep(200);
    }
  }

  private static Reply refused(LiveCaptureException e) {
    return Reply.error(status(e), e.getMessage());
  }

  private static int status(LiveCaptureException e) {
    return switch (e.kind()) {
      case BAD_INPUT -> 400;
      case UNKNOWN_STREAM -> 404;
      case TOO_FAST -> 429;
      case BUSY -> 503;
    };
  }

  private static byte[] base64(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return new byte[0];
    if (!v.isTextual()) throw new IllegalArgumentException(field + " must be a base64 string");
    try {
      return Base64.getDecoder().decode(v.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not base64: " + e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw new IllegalArgumentException(field + " must be a string");
    return v.asText();
  }
}
