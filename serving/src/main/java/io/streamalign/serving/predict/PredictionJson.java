package io.streamalign.serving.predict;

import com.fasterxml.jackson.core.JsonGenerator;
import io.streamalign.schemas.Json;
import io.streamalign.schemas.avro.Prediction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
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

  /** The prediction as one JSON object (no line break), written by the shared Jackson mapper. */
  public static String toJson(Prediction p) {
    return Json.generate(g -> write(p, p.getSchema(), g));
  }

  private static void write(Object v, Schema s, JsonGenerator g) throws IOException {
    if (v == null) {
      g.writeNull();
      return;
    }
    switch (s.getType()) {
      case RECORD -> {
        IndexedRecord r = (IndexedRecord) v;
        g.writeStartObject();
        for (Schema.Field f : s.getFields()) {
          g.writeFieldName(f.name());
          write(r.get(f.pos()), f.schema(), g);
        }
        g.writeEndObject();
      }
      case UNION -> write(v, s.getTypes().get(GenericData.get().resolveUnion(s, v)), g);
      case ARRAY -> {
        g.writeStartArray();
        for (Object e : (Collection<?>) v) write(e, s.getElementType(), g);
        g.writeEndArray();
      }
      case MAP -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          g.writeFieldName(e.getKey().toString());
          write(e.getValue(), s.getValueType(), g);
        }
        g.writeEndObject();
      }
      case ENUM ->
          g.writeString(v instanceof GenericEnumSymbol<?> e ? e.toString() : ((Enum<?>) v).name());
      case BYTES -> {
        ByteBuffer b = ((ByteBuffer) v).duplicate();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        g.writeString(Base64.getEncoder().encodeToString(a));
      }
      case FLOAT -> {
        float f = ((Number) v).floatValue();
        if (Float.isFinite(f)) g.writeNumber(f);
        else g.writeString(Float.toString(f));
      }
      case DOUBLE -> {
        double d = ((Number) v).doubleValue();
        if (Double.isFinite(d)) g.writeNumber(d);
        else g.writeString(Double.toString(d));
      }
      case INT -> g.writeNumber(((Number) v).intValue());
      case LONG -> g.writeNumber(((Number) v).longValue());
      case BOOLEAN -> g.writeBoolean((Boolean) v);
      default -> g.writeString(v.toString());
    }
  }
}
