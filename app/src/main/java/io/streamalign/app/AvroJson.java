package io.streamalign.app;

import com.fasterxml.jackson.core.JsonGenerator;
import io.streamalign.schemas.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Renders Avro data as one line of JSON for humans and {@code jq}.
 *
 * <p>Unlike Avro's own JSON encoding, unions are written as their plain value (no {@code {"string":
 * ...}} wrapper) and long byte fields (frames, PCM, model parameters, which can be megabytes) are
 * summarized as {@code "<N bytes>"} unless full bytes are asked for; short ones are written as
 * {@code "base64:..."}. Non-finite numbers (NaN, infinities: e.g. rho before PMR has seen both
 * modalities) are written as {@code null}, so every line is valid JSON that no reader takes for a
 * number. Written through the shared Jackson mapper ({@link Json}).
 */
final class AvroJson {

  /** Byte fields up to this length are printed in full (base64). */
  static final int INLINE_BYTES = 48;

  private AvroJson() {}

  /** One JSON document for the datum; {@code fullBytes} prints every byte field in base64. */
  static String toJson(Object datum, Schema schema, boolean fullBytes) {
    return Json.generate(g -> write(datum, schema, fullBytes, g));
  }

  static void write(Object datum, Schema schema, boolean fullBytes, JsonGenerator out)
      throws IOException {
    if (datum == null) {
      out.writeNull();
      return;
    }
    switch (schema.getType()) {
      case RECORD:
        {
          IndexedRecord record = (IndexedRecord) datum;
          out.writeStartObject();
          for (Schema.Field field : schema.getFields()) {
            out.writeFieldName(field.name());
            write(record.get(field.pos()), field.schema(), fullBytes, out);
          }
          out.writeEndObject();
          return;
        }
      case UNION:
        {
          int branch = SpecificData.get().resolveUnion(schema, datum);
          write(datum, schema.getTypes().get(branch), fullBytes, out);
          return;
        }
      case ARRAY:
        out.writeStartArray();
        for (Object element : (Collection<?>) datum) {
          write(element, schema.getElementType(), fullBytes, out);
        }
        out.writeEndArray();
        return;
      case MAP:
        out.writeStartObject();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
          out.writeFieldName(String.valueOf(e.getKey()));
          write(e.getValue(), schema.getValueType(), fullBytes, out);
        }
        out.writeEndObject();
        return;
      case ENUM:
        out.writeString(
            datum instanceof GenericEnumSymbol ? datum.toString() : String.valueOf(datum));
        return;
      case STRING:
        out.writeString(datum.toString());
        return;
      case BYTES:
        {
          ByteBuffer buffer = ((ByteBuffer) datum).duplicate();
          byte[] bytes = new byte[buffer.remaining()];
          buffer.get(bytes);
          bytes(bytes, fullBytes, out);
          return;
        }
      case FIXED:
        bytes(((GenericFixed) datum).bytes(), fullBytes, out);
        return;
      case INT:
        out.writeNumber(((Number) datum).intValue());
        return;
      case LONG:
        out.writeNumber(((Number) datum).longValue());
        return;
      case BOOLEAN:
        out.writeBoolean((Boolean) datum);
        return;
      case FLOAT:
        {
          float f = ((Number) datum).floatValue();
          if (Float.isFinite(f)) {
            out.writeNumber(f);
          } else {
            out.writeString(String.valueOf(f));
          }
          return;
        }
      case DOUBLE:
        {
          double d = ((Number) datum).doubleValue();
          if (Double.isFinite(d)) {
            out.writeNumber(d);
          } else {
            out.writeNull();
          }
          return;
        }
      case NULL:
        out.writeNull();
        return;
      default:
        out.writeString(GenericData.get().toString(datum));
    }
  }

  /** Writes raw bytes: in full as base64 when short or asked for, else as a length summary. */
  static void bytes(byte[] bytes, boolean full, JsonGenerator out) throws IOException {
    if (full || bytes.length <= INLINE_BYTES) {
      out.writeString("base64:" + Base64.getEncoder().encodeToString(bytes));
    } else {
      out.writeString("<" + bytes.length + " bytes>");
    }
  }
}
