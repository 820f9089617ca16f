package io.streamalign.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamalign.schemas.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the operators in a Chrome trace written by libtorch's profiler: DJL's {@code
 * JniUtils.startProfile}/{@code stopProfile} on the Java side, {@code torch.profiler}'s {@code
 * export_chrome_trace} on the Python side, so both are counted by the same code. A
 * <em>top-level</em> operator is one not nested in another operator of the same thread: an op
 * dispatched from the host program (a DJL JNI call or a Python call) or by the autograd engine
 * during backward; the operators it calls inside (e.g. {@code aten::conv2d} -> {@code
 * aten::convolution} -> ...) are counted only in {@code all}.
 */
final class OpTrace {

  /**
   * @param topLevel operators not nested in another on their thread
   * @param all every operator event
   * @param topNames top-level operator name -> count
   */
  record Counts(long topLevel, long all, Map<String, Long> topNames) {}

  private OpTrace() {}

  static Counts count(Path chromeTrace) throws IOException {
    JsonNode root = Json.mapper().readTree(chromeTrace.toFile());
    JsonNode events = root.isArray() ? root : root.path("traceEvents");
    Map<String, List<long[]>> byThread = new HashMap<>(); // tid -> {start, end, index}
    List<String> names = new ArrayList<>();
    for (JsonNode e : events) {
      if (!"X".equals(e.path("ph").asText())) continue;
      String cat = e.path("cat").asText("");
      if (!cat.isEmpty() && !cat.equals("cpu_op") && !cat.equals("Operator")) continue;
      String name = e.path("name").asText();
      if (name.startsWith("ProfilerStep") || name.startsWith("[")) continue;
      // microseconds, possibly fractional: keep nanoseconds
      long ts = Math.round(e.path("ts").asDouble() * 1000);
      long dur = Math.round(e.path("dur").asDouble() * 1000);
      String tid = e.path("pid").asText() + "/" + e.path("tid").asText();
      byThread
          .computeIfAbsent(tid, k -> new ArrayList<>())
          .add(new long[] {ts, ts + dur, names.size()});
      names.add(name);
    }
    long top = 0;
    Map<String, Long> topNames = new java.util.TreeMap<>();
    for (List<long[]> evs : byThread.values()) {
      // parents first: by start, longer first on ties
      evs.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(b[1], a[1]));
      long openEnd = Long.MIN_VALUE;
      for (long[] ev : evs) {
        if (ev[0] >= openEnd) { // not inside the current top-level op
          top++;
          topNames.merge(names.get((int) ev[2]), 1L, Long::sum);
          openEnd = ev[1];
        } else if (ev[1] > openEnd) {
          openEnd = ev[1]; // overlapping without nesting (rounding): treat as the same span
        }
      }
    }
    return new Counts(top, names.size(), topNames);
  }
}
