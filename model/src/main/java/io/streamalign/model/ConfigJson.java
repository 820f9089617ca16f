package io.streamalign.model;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flat JSON for {@link LearnerConfig}, driven by the record's components so a new field needs no
 * code here. Only what a flat config needs: numbers, strings, booleans, null.
 *
 * <p>Kept dependency-free on purpose: the model module must stay light for serving, and the format
 * is tiny and fixed.
 */
final class ConfigJson {

  private ConfigJson() {}

  static String write(LearnerConfig cfg) {
    StringBuilder sb = new StringBuilder("{");
    RecordComponent[] comps = LearnerConfig.class.getRecordComponents();
    for (int i = 0; i < comps.length; i++) {
      Object v = get(comps[i], cfg);
      if (i > 0) sb.append(',');
      quote(sb, comps[i].getName());
      sb.append(':');
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Number || v instanceof Boolean) {
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
          quote(sb, d.toString());
        } else {
          sb.append(v);
        }
      } else {
        quote(sb, v.toString());
      }
    }
    return sb.append('}').toString();
  }

  static LearnerConfig read(String json, LearnerConfig base) {
    Map<String, String> raw = parseFlat(json);
    return build(base, raw, false);
  }

  static LearnerConfig override(LearnerConfig base, Map<String, String> overrides) {
    return build(base, overrides, true);
  }

  private static LearnerConfig build(
      LearnerConfig base, Map<String, String> values, boolean strict) {
    RecordComponent[] comps = LearnerConfig.class.getRecordComponents();
    if (strict) {
      for (String k : values.keySet()) {
        if (Arrays.stream(comps).noneMatch(c -> c.getName().equals(k))) {
          throw new IllegalArgumentException("unknown LearnerConfig field '" + k + "'");
        }
      }
    }
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      types[i] = c.getType();
      String text = values.get(c.getName());
      args[i] = values.containsKey(c.getName()) ? convert(c, text) : get(c, base);
    }
    try {
      Constructor<LearnerConfig> ctor = LearnerConfig.class.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) throw re;
      throw new IllegalArgumentException(cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object convert(RecordComponent c, String text) {
    Class<?> t = c.getType();
    try {
      if (t == int.class) return Integer.parseInt(text.trim());
      if (t == long.class) return Long.parseLong(text.trim());
      if (t == double.class) return Double.parseDouble(text.trim());
      if (t == boolean.class) return Boolean.parseBoolean(text.trim());
      if (t == Modality.class)
        return text == null ? null : Modality.valueOf(text.trim().toUpperCase());
      if (t == String.class) return text;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "LearnerConfig field '" + c.getName() + "': bad value '" + text + "'", e);
    }
    throw new IllegalStateException("unsupported field type " + t);
  }

  private static Object get(RecordComponent c, Object o) {
    try {
      return c.getAccessor().invoke(o);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
          else sb.append(ch);
        }
      }
    }
    sb.append('"');
  }

  /** Parses a flat JSON object into member name -> value text (strings unescaped; null -> null). */
  static Map<String, String> parseFlat(String json) {
    if (json == null) throw new IllegalArgumentException("config JSON is null");
    Map<String, String> out = new LinkedHashMap<>();
    int[] pos = {skipWs(json, 0)};
    expect(json, pos, '{');
    pos[0] = skipWs(json, pos[0]);
    if (peek(json, pos) == '}') {
      return out;
    }
    while (true) {
      pos[0] = skipWs(json, pos[0]);
      String key = readString(json, pos);
      pos[0] = skipWs(json, pos[0]);
      expect(json, pos, ':');
      pos[0] = skipWs(json, pos[0]);
      char c = peek(json, pos);
      String value;
      if (c == '"') {
        value = readString(json, pos);
      } else {
        int start = pos[0];
        while (pos[0] < json.length() && ",} \t\r\n".indexOf(json.charAt(pos[0])) < 0) pos[0]++;
        value = json.substring(start, pos[0]);
        if (value.isEmpty() || value.startsWith("{") || value.startsWith("[")) {
          throw new IllegalArgumentException("config JSON: unsupported value for '" + key + "'");
        }
        if (value.equals("null")) value = null;
      }
      out.put(key, value);
      pos[0] = skipWs(json, pos[0]);
      char n = peek(json, pos);
      pos[0]++;
      if (n == '}') break;
      if (n != ',')
        throw new IllegalArgumentException("config JSON: expected ',' or '}' at " + (pos[0] - 1));
    }
    return out;
  }

  private static char peek(String s, int[] pos) {
    if (pos[0] >= s.length()) throw new IllegalArgumentException("config JSON: unexpected end");
    return s.charAt(pos[0]);
  }

  private static void expect(String s, int[] pos, char c) {
    if (peek(s, pos) != c) {
      throw new IllegalArgumentException("config JSON: expected '" + c + "' at " + pos[0]);
    }
    pos[0]++;
  }

  private static int skipWs(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    return i;
  }

  private static String readString(String s, int[] pos) {
    expect(s, pos, '"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = peek(s, pos);
      pos[0]++;
      if (c == '"') return sb.toString();
      if (c == '\\') {
        char e = peek(s, pos);
        pos[0]++;
        switch (e) {
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos[0] + 4 > s.length())
              throw new IllegalArgumentException("config JSON: bad escape");
            sb.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
            pos[0] += 4;
          }
          default -> sb.append(e);
        }
      } else {
        sb.append(c);
      }
    }
  }
}
