package io.streamalign.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;

/**
 * The security checks of README "HTTP security", the same for every HTTP surface.
 *
 * <ul>
 *   <li>A server bound to loopback answers only requests whose {@code Host} is a loopback name
 *       ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}): a web page whose own host name was
 *       re-bound to 127.0.0.1 (DNS rebinding) is refused, for every route.
 *   <li>A state-changing request (POST) that carries an {@code Origin} must come from the page's
 *       own origin (scheme, host and port equal to the request's {@code Host}); a browser sends
 *       {@code Origin} with every cross-origin POST, so a foreign web page cannot post on the
 *       user's behalf. Requests without {@code Origin} (curl, scripts) pass this check.
 *   <li>When a bearer token is configured, a state-changing request must carry {@code
 *       Authorization: Bearer <token>} (compared in constant time).
 * </ul>
 */
final class RequestGuard {

  private final boolean loopbackOnly;
  private final byte[] token;

  RequestGuard(boolean loopbackOnly, Optional<String> token) {
    this.loopbackOnly = loopbackOnly;
    this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
  }

  /** The refusal of any request, or empty. */
  Optional<HttpError> checkHost(String host) {
    if (!loopbackOnly || host == null || host.isEmpty()) return Optional.empty();
    String name = hostName(host);
    if (name.equals("localhost")
        || name.endsWith(".localhost")
        || name.equals("::1")
        || name.equals("0:0:0:0:0:0:0:1")
        || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      return Optional.empty();
    }
    return Optional.of(
        new HttpError(
            403,
            "Host '"
                + host
                + "' refused: this server is bound to loopback and answers only "
                + "localhost, 127.0.0.1 or [::1] (start it with --http-host to serve other names)"));
  }

  /** The refusal of a state-changing request, or empty. */
  Optional<HttpError> checkStateChanging(
      String origin, String secFetchSite, String host, boolean secure, String authorization) {
    if (origin != null) {
      Optional<HttpError> o = checkOrigin(origin, host, secure);
      if (o.isPresent()) return o;
    } else if ("cross-site".equalsIgnoreCase(secFetchSite)) {
      return Optional.of(
          new HttpError(403, "cross-site request refused (Sec-Fetch-Site: cross-site)"));
    }
    if (token != null) {
      if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Optional.of(
            new HttpError(
                401,
                "a bearer token is required: send 'Authorization: Bearer <token>' "
                    + "(the token set by STREAMALIGN_HTTP_TOKEN or --http-token-file)"));
      }
      byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(given, token)) {
        return Optional.of(new HttpError(401, "the bearer token is wrong"));
      }
    }
    return Optional.empty();
  }

  private static Optional<HttpError> checkOrigin(String origin, String host, boolean secure) {
    URI o;
    try {
      o = new URI(origin.strip());
    } catch (Exception e) {
      return Optional.of(
          new HttpError(403, "cross-origin request refused: Origin '" + origin + "' is not a URL"));
    }
    if (o.getScheme() == null || o.getHost() == null) {
      return Optional.of(
          new HttpError(
              403,
              "cross-origin request refused: Origin '" + origin + "' is not this server's origin"));
    }
    String scheme = o.getScheme().toLowerCase(Locale.ROOT);
    String expectedScheme = secure ? "https" : "http";
    int oport = o.getPort() >= 0 ? o.getPort() : "https".equals(scheme) ? 443 : 80;
    String ohost = o.getHost().toLowerCase(Locale.ROOT);
    if (ohost.startsWith("[") && ohost.endsWith("]"))
      ohost = ohost.substring(1, ohost.length() - 1);
    if (host == null
        || !scheme.equals(expectedScheme)
        || !ohost.equals(hostName(host))
        || oport != hostPort(host, secure ? 443 : 80)) {
      return Optional.of(
          new HttpError(
              403,
              "cross-origin request refused: Origin '"
                  + origin
                  + "' is not this server's origin ("
                  + expectedScheme
                  + "://"
                  + host
                  + ")"));
    }
    return Optional.empty();
  }

  /** The host part of a Host header value, lower case, IPv6 brackets removed. */
  static String hostName(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(1, end);
    }
    int colon = h.lastIndexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  static int hostPort(String host, int dflt) {
    String h = host.strip();
    int close = h.lastIndexOf(']');
    int colon = h.lastIndexOf(':');
    if (colon < 0 || colon < close) return dflt;
    try {
      return Integer.parseInt(h.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
