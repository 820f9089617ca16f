package io.streamalign.app;

import io.streamalign.http.HttpSettings;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The HTTP security option every command with an HTTP server shares (README "HTTP security"): the
 * bearer token that state-changing requests (POST) must carry, from {@code --http-token-file}, else
 * the file named by {@code STREAMALIGN_HTTP_TOKEN_FILE}, else {@code STREAMALIGN_HTTP_TOKEN}; none
 * configured = no token asked (Origin is still checked).
 */
final class HttpOptions {

  @Option(
      names = "--http-token-file",
      paramLabel = "FILE",
      description =
          "File holding the bearer token that POST requests to the HTTP server must carry "
              + "(env STREAMALIGN_HTTP_TOKEN_FILE, or the token itself in STREAMALIGN_HTTP_TOKEN; default: no token).")
  Path tokenFile;

  Optional<String> token() {
    return HttpSettings.resolveToken(tokenFile, System.getenv());
  }

  /** Settings for a server on {@code host:port} with this token and the default limits. */
  HttpSettings settings(String host, int port) {
    return HttpSettings.builder().host(host).port(port).bearerToken(token()).build();
  }
}
