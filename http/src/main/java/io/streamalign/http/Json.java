package io.streamalign.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/** The one bit of JSON the http module writes itself: a quoted string, escaped by Jackson. */
public final class Json {

  private Json() {}

  /** {@code s} as a JSON string literal ({@code null} becomes {@code null}). */
  public static String quote(String s) {
    if (s == null) return "null";
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
  }
}
