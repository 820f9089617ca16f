package io.streamalign.schemas;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The one configured Jackson {@link ObjectMapper} every StreamAlign module reads and writes JSON
 * with (HTTP bodies, `tail` lines, reports, dashboard state), so escaping, number formatting and
 * leniency are the same everywhere and no JSON is assembled by hand.
 *
 * <p>Configuration: unknown properties in input are ignored (a newer writer may add fields), and
 * non-finite doubles are written as strings ({@code "NaN"}), Jackson's default, so the output is
 * always valid JSON. The mapper is thread-safe; do not reconfigure it.
 */
public final class Json {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private Json() {}

  /** The shared mapper. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** {@code value} as one line of JSON. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON for " + value.getClass().getName(), e);
    }
  }

  /** Streams JSON through a generator of the shared mapper and returns the text. */
  public static String generate(GeneratorBody body) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = MAPPER.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON", e);
    }
    return out.toString();
  }

  /** Writes one JSON document to a generator. */
  @FunctionalInterface
  public interface GeneratorBody {
    void write(JsonGenerator generator) throws IOException;
  }
}
