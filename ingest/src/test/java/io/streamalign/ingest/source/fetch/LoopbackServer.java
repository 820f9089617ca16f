package io.streamalign.ingest.source.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP/1.1 file server on 127.0.0.1 (ephemeral port) with byte ranges and injected faults: drop the
 * connection mid-body, answer with an error status, or ignore Range headers.
 */
final class LoopbackServer implements AutoCloseable {
  record Request(String path, String range, int status) {}

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");
  final Map<String, byte[]> files = new ConcurrentHashMap<>();

  /** Paths whose next full (non-range) response is cut after half the body. */
  final Set<String> dropOnce = ConcurrentHashMap.newKeySet();

  /** Paths whose next response is this status instead. */
  final Map<String, Integer> statusOnce = new ConcurrentHashMap<>();

  final List<Request> requests = new CopyOnWriteArrayList<>();
  volatile boolean ignoreRange;
  private final HttpServer server;

  LoopbackServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
  }

  URI base(String dir) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + dir + "/");
  }

  long count(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String range = ex.getRequestHeaders().getFirst("Range");
    byte[] body = files.get(path);
    Integer forced = statusOnce.remove(path);
    try {
      if (forced != null) {
        requests.add(new Request(path, range, forced));
        ex.sendResponseHeaders(forced, -1);
        return;
      }
      if (body == null) {
        requests.add(new Request(path, range, 404));
        ex.sendResponseHeaders(404, -1);
        return;
      }
      Matcher m = range == null || ignoreRange ? null : RANGE.matcher(range);
      if (m != null && m.matches()) {
        long from = Long.parseLong(m.group(1));
        if (from >= body.length) {
          requests.add(new Request(path, range, 416));
          ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
          ex.sendResponseHeaders(416, -1);
          return;
        }
        requests.add(new Request(path, range, 206));
        ex.getResponseHeaders()
            .set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        ex.sendResponseHeaders(206, body.length - from);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body, (int) from, (int) (body.length - from));
        }
        return;
      }
      requests.add(new Request(path, range, 200));
      ex.sendResponseHeaders(200, body.length);
      OutputStream out = ex.getResponseBody();
      if (dropOnce.remove(path)) {
        out.write(body, 0, body.length / 2);
        out.flush();
        // an exception from the handler makes the server close the connection mid-body
        throw new IOException("dropping the connection on purpose");
      }
      out.write(body);
      out.close();
    } finally {
      ex.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
