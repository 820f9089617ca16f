package io.streamalign.eval.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A Markdown table built row by row. */
public final class MarkdownTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public MarkdownTable(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; it must have as many cells as the header. */
  public MarkdownTable row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "row has " + cells.length + " cells, header " + header.size());
    }
    rows.add(
        Arrays.stream(cells).map(c -> c == null ? "" : c.toString().replace("|", "\\|")).toList());
    return this;
  }

  public int size() {
    return rows.size();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("| ").append(String.join(" | ", header)).append(" |\n");
    sb.append("|").append("---|".repeat(header.size())).append('\n');
    for (List<String> r : rows) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return sb.toString();
  }

  /** Formats with {@code digits} decimals, or "n/a" for NaN. */
  public static String num(double v, int digits) {
    return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%." + digits + "f", v);
  }

  /** "mean ± std" with {@code digits} decimals (std omitted when NaN, i.e. one seed). */
  public static String meanStd(double mean, double std, int digits) {
    if (Double.isNaN(mean)) {
      return "n/a";
    }
    return Double.isNaN(std) ? num(mean, digits) : num(mean, digits) + " ± " + num(std, digits);
  }
}
