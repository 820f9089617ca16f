package io.streamalign.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How one HTTP surface is exposed: address, limits and the optional bearer token. Every StreamAlign
 * HTTP server (dashboard, serving API, trainer metrics) is built from one of these by {@link
 * HttpService}, so all of them share the same defaults (README "HTTP security"): loopback only, a
 * 30 s idle/read timeout, a bounded request body, at most 16 worker threads and 512 open
 * connections.
 */
public final class HttpSettings {

  /**
   * Environment variable holding the bearer token (a token file given on the command line wins).
   */
  public static final String TOKEN_ENV = "STREAMALIGN_HTTP_TOKEN";

  /** Environment variable naming a file that holds the bearer token. */
  public static final String TOKEN_FILE_ENV = "STREAMALIGN_HTTP_TOKEN_FILE";

  private final String host;
  private final int port;
  private final String bearerToken;
  private final long maxBodyBytes;
  private final Duration idleTimeout;
  private final int maxThreads;
  private final int maxConnections;

  private HttpSettings(Builder b) {
    this.host = Objects.requireNonNull(b.host, "host");
    if (b.port < 0 || b.port > 65535)
      throw new IllegalArgumentException("port must be 0..65535, got " + b.port);
    this.port = b.port;
    this.bearerToken =
        b.bearerToken == null || b.bearerToken.isBlank() ? null : b.bearerToken.strip();
    if (b.maxBodyBytes < 0) throw new IllegalArgumentException("maxBodyBytes must be >= 0");
    this.maxBodyBytes = b.maxBodyBytes;
    if (b.idleTimeout.isNegative() || b.idleTimeout.isZero())
      throw new IllegalArgumentException("idleTimeout must be positive");
    this.idleTimeout = b.idleTimeout;
    if (b.maxThreads < 4)
      throw new IllegalArgumentException(
          "maxThreads must be >= 4 (Jetty's acceptor and selector use two)");
    this.maxThreads = b.maxThreads;
    if (b.maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1");
    this.maxConnections = b.maxConnections;
  }

  /** Loopback, the given port (0 = any free port), every other limit at its default. */
  public static HttpSettings loopback(int port) {
    return builder().port(port).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.bearerToken = bearerToken;
    b.maxBodyBytes = maxBodyBytes;
    b.idleTimeout = idleTimeout;
    b.maxThreads = maxThreads;
    b.maxConnections = maxConnections;
    return b;
  }

  /** The address bound: {@code 127.0.0.1} unless told otherwise. */
  public String host() {
    return host;
  }

  /** The port bound; 0 = any free port. */
  public int port() {
    return port;
  }

  /** The bearer token that state-changing requests must carry, if one is configured. */
  public Optional<String> bearerToken() {
    return Optional.ofNullable(bearerToken);
  }

  /** Largest request body accepted by default (routes may set their own); larger ones get 413. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** A connection with no bytes moving for this long (a stalled header or body) is closed. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Upper bound of the server's worker threads. */
  public int maxThreads() {
    return maxThreads;
  }

  /** Upper bound of open connections; past it, new ones wait in the accept backlog. */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * The bearer token from, in order: {@code tokenFile} (a command-line option), the file named by
   * {@value #TOKEN_FILE_ENV}, the value of {@value #TOKEN_ENV}. Empty when none is set.
   *
   * @throws IllegalArgumentException when a named file cannot be read or is empty
   */
  public static Optional<String> resolveToken(Path tokenFile, Map<String, String> env) {
    Path file = tokenFile;
    if (file == null && env.get(TOKEN_FILE_ENV) != null && !env.get(TOKEN_FILE_ENV).isBlank()) {
      file = Path.of(env.get(TOKEN_FILE_ENV));
    }
    if (file != null) {
      String t;
      try {
        t = Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the HTTP token file " + file + ": " + e.getMessage(), e);
      }
      if (t.isEmpty())
        throw new IllegalArgumentException("the HTTP token file " + file + " is empty");
      return Optional.of(t);
    }
    String t = env.get(TOKEN_ENV);
    return t == null || t.isBlank() ? Optional.empty() : Optional.of(t.strip());
  }

  @Override
  public String toString() {
    return "HttpSettings["
        + host
        + ":"
        + port
        + ", token="
        + (bearerToken == null ? "off" : "on")
        + ", maxBody="
        + maxBodyBytes
        + ", idle="
        + idleTimeout.toMillis()
        + "ms, threads<="
        + maxThreads
        + ", connections<="
        + maxConnections
        + "]";
  }

  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private String bearerToken;
    private long maxBodyBytes = 16L * 1024 * 1024;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxThreads = 16;
    private int maxConnections = 512;

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder bearerToken(String token) {
      this.bearerToken = token;
      return this;
    }

    public Builder bearerToken(Optional<String> token) {
      this.bearerToken = token.orElse(null);
      return this;
    }

    public Builder maxBodyBytes(long bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    public Builder idleTimeout(Duration d) {
      this.idleTimeout = Objects.requireNonNull(d);
      return this;
    }

    public Builder maxThreads(int n) {
      this.maxThreads = n;
      return this;
    }

    public Builder maxConnections(int n) {
      this.maxConnections = n;
      return this;
    }

    public HttpSettings build() {
      return new HttpSettings(this);
    }
  }
}
