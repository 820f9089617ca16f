package io.streamalign.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete HTTP answer a {@link Route} handler returns: status, content type, extra headers,
 * body.
 */
public final class Reply {

  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers = new LinkedHashMap<>();

  private Reply(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  public static Reply of(int status, String contentType, byte[] body) {
    return new Reply(status, contentType, body);
  }

  public static Reply text(int status, String contentType, String body) {
    return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** A JSON body (already serialized). */
  public static Reply json(int status, String json) {
    return text(status, "application/json", json);
  }

  /** {@code {"error": reason}} with the given status. */
  public static Reply error(int status, String reason) {
    return json(status, "{\"error\":" + Json.quote(reason) + "}");
  }

  public Reply header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  public byte[] body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
