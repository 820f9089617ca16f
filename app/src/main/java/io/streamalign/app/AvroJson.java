package io.streamalign.app;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Renders Avro data as one line of JSON for humans and {@code jq}.
 *
 * <p>Unlike Avro's own JSON encoding, unions are written as their plain value (no
 * {@code {"string": ...}} wrapper) and long byte fields (frames, PCM, model parameters, which can
 * be megabytes) are summarized as {@code "<N bytes>"} unless full bytes are asked for; short ones
 * are written as {@code "base64:..."}. Non-finite numbers (NaN, infinities: e.g. rho before
 * PMR has seen both modalities) are written as {@code null}, so every line is valid JSON that no reader
 * takes for a number. The output is
 * always valid JSON.
 */
final class AvroJson {

    /** Byte fields up to this length are printed in full (base64). */
    static final int INLINE_BYTES = 48;

    private AvroJson() {
    }

    /** One JSON document for the datum; {@code fullBytes} prints every byte field in base64. */
    static String toJson(Object datum, Schema schema, boolean fullBytes) {
        StringBuilder out = new StringBuilder(256);
        write(datum, schema, fullBytes, out);
        return out.toString();
    }

    static void write(Object datum, Schema schema, boolean fullBytes, StringBuilder out) {
        if (datum == null) {
            out.append("null");
            return;
        }
        switch (schema.getType()) {
            case RECORD: {
                IndexedRecord record = (IndexedRecord) datum;
                out.append('{');
                boolean first = true;
                for (Schema.Field field : schema.getFields()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(field.name(), out);
                    out.append(':');
                    write(record.get(field.pos()), field.schema(), fullBytes, out);
                }
                out.append('}');
                return;
            }
            case UNION: {
                int branch = SpecificData.get().resolveUnion(schema, datum);
                write(datum, schema.getTypes().get(branch), fullBytes, out);
                return;
            }
            case ARRAY: {
                out.append('[');
                Iterator<?> it = ((Collection<?>) datum).iterator();
                while (it.hasNext()) {
                    write(it.next(), schema.getElementType(), fullBytes, out);
                    if (it.hasNext()) {
                        out.append(',');
                    }
                }
                out.append(']');
                return;
            }
            case MAP: {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(String.valueOf(e.getKey()), out);
                    out.append(':');
                    write(e.getValue(), schema.getValueType(), fullBytes, out);
                }
                out.append('}');
                return;
            }
            case ENUM:
                string(datum instanceof GenericEnumSymbol ? datum.toString() : String.valueOf(datum), out);
                return;
            case STRING:
                string(datum.toString(), out);
                return;
            case BYTES: {
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
            case LONG:
            case BOOLEAN:
                out.append(datum);
                return;
            case FLOAT:
            case DOUBLE: {
                double d = ((Number) datum).doubleValue();
                if (Double.isFinite(d)) {
                    out.append(datum);
                } else {
                    out.append("null");
                }
                return;
            }
            case NULL:
                out.append("null");
                return;
            default:
                string(GenericData.get().toString(datum), out);
        }
    }

    /** Writes raw bytes: in full as base64 when short or asked for, else as a length summary. */
    static void bytes(byte[] bytes, boolean full, StringBuilder out) {
        if (full || bytes.length <= INLINE_BYTES) {
            string("base64:" + Base64.getEncoder().encodeToString(bytes), out);
        } else {
            string("<" + bytes.length + " bytes>", out);
        }
    }

    /** Writes a JSON string literal with the escapes RFC 8259 requires. */
    static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
