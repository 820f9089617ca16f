package io.streamalign.serving.predict;

import io.streamalign.schemas.avro.Prediction;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * A {@link Prediction} as one line of plain JSON, the value of the {@code av.predictions.json}
 * mirror (README.md, "Python and other clients"): every field of the Avro record under its own
 * name, unions as their plain value or {@code null}, enums as strings, non-finite numbers as
 * strings. Generic over the schema, so a field added to {@code Prediction} appears in the mirror
 * without a change here.
 */
public final class PredictionJson {

  private PredictionJson() {}

  /** The prediction as one JSON object (no line break). */
  public static String toJson(Prediction p) {
    StringBuilder out = new StringBuilder(320);
    write(p, p.getSchema(), out);
    return out.toString();
  }

  private static void write(Object v, Schema s, StringBuilder out) {
    if (v == null) {
      out.append("null");
      return;
    }
    switch (s.getType()) {
      case RECORD -> {
        IndexedRecord r = (IndexedRecord) v;
        out.append('{');
        for (Schema.Field f : s.getFields()) {
          if (f.pos() > 0) out.append(',');
          string(f.name(), out);
          out.append(':');
          write(r.get(f.pos()), f.schema(), out);
        }
        out.append('}');
      }
      case UNION ->
          write(
              v,
              s.getTypes().get(org.apache.avro.generic.GenericData.get().resolveUnion(s, v)),
              out);
      case ARRAY -> {
        out.append('[');
        boolean first = true;
        for (Object e : (Collection<?>) v) {
          if (!first) out.append(',');
          first = false;
          write(e, s.getElementType(), out);
        }
        out.append(']');
      }
      case MAP -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          if (!first) out.append(',');
          first = false;
          string(e.getKey().toString(), out);
          out.append(':');
          write(e.getValue(), s.getValueType(), out);
        }
        out.append('}');
      }
      case ENUM ->
          string(v instanceof GenericEnumSymbol<?> g ? g.toString() : ((Enum<?>) v).name(), out);
      case STRING -> string(v.toString(), out);
      case BYTES -> {
        ByteBuffer b = ((ByteBuffer) v).duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        string(Base64.getEncoder().encodeToString(a), out);
      }
      case FLOAT, DOUBLE -> {
        double d = ((Number) v).doubleValue();
        if (Double.isFinite(d)) out.append(v);
        else string(Double.toString(d), out);
      }
      case INT, LONG, BOOLEAN -> out.append(v);
      default -> string(v.toString(), out);
    }
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    out.append('"');
  }
}
