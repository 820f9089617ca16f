package io.streamalign.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * One request as a {@link Route} handler sees it: method, path, query, headers and the whole body,
 * already read (without holding a thread while it arrived) and within the route's size limit.
 */
public final class Exchange {

  private final String method;
  private final String path;
  private final Map<String, String> query;
  private final Map<String, String> headers;
  private final byte[] body;

  /** Headers are keyed by lower-case name. */
  public Exchange(
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      byte[] body) {
    this.method = method;
    this.path = path;
    this.query = Map.copyOf(query);
    this.headers = Map.copyOf(headers);
    this.body = body;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public byte[] body() {
    return body;
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public Optional<String> query(String name) {
    return Optional.ofNullable(query.get(name));
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  /** The media type of the body without parameters, lower case; empty when not sent. */
  public Optional<String> mediaType() {
    return header("content-type")
        .map(
            t -> {
              int semi = t.indexOf(';');
              return (semi < 0 ? t : t.substring(0, semi))
                  .strip()
                  .toLowerCase(java.util.Locale.ROOT);
            })
        .filter(t -> !t.isEmpty());
  }
}
