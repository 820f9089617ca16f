package io.streamalign.serving.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamalign.serving.metrics.ServingMetrics;
import io.streamalign.serving.model.Enrollments;
import io.streamalign.serving.model.ModelHolder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.yaml describes exactly the routes the serving server has (every documented path and
 * method is served, every served route is documented), and the server serves that very file.
 */
class OpenApiRoutesTest {

  private static final Set<String> METHODS =
      Set.of("get", "post", "put", "delete", "patch", "head", "options");

  static Path docsFile() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("docs/openapi.yaml"))) p = p.getParent();
    if (p == null)
      throw new AssertionError("docs/openapi.yaml not found above " + Path.of("").toAbsolutePath());
    return p.resolve("docs/openapi.yaml");
  }

  @Test
  void theDocumentListsExactlyTheServedRoutesAndIsServed() throws Exception {
    byte[] doc = Files.readAllBytes(docsFile());
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(doc);
    assertTrue(root.path("openapi").asText().startsWith("3."), "an OpenAPI 3 document");
    Set<String> documented = new TreeSet<>();
    for (Iterator<String> paths = root.path("paths").fieldNames(); paths.hasNext(); ) {
      String path = paths.next();
      for (Iterator<String> ops = root.path("paths").path(path).fieldNames(); ops.hasNext(); ) {
        String op = ops.next();
        if (METHODS.contains(op)) {
          documented.add(op.toUpperCase() + " " + path);
          assertTrue(
              root.path("paths").path(path).path(op).path("responses").size() > 0,
              op + " " + path + " documents its responses");
        }
      }
    }
    ModelHolder holder = new ModelHolder();
    try (HttpApi api =
        new HttpApi(
            "127.0.0.1",
            0,
            holder,
            new Enrollments(5),
            new ServingMetrics(holder::version),
            () -> true,
            3)) {
      assertEquals(
          new TreeSet<>(api.routes()),
          documented,
          "routes served vs documented in docs/openapi.yaml");
      HttpResponse<byte[]> served =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + api.port() + "/openapi.yaml"))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, served.statusCode());
      assertTrue(
          served.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"));
      assertArrayEquals(doc, served.body(), "GET /openapi.yaml serves docs/openapi.yaml as built");
    } finally {
      holder.close();
    }
  }
}
