package io.streamalign.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a protocol run produced.
 *
 * @param protocol the protocol name
 * @param table the Markdown report (our numbers beside the paper's), also written to {@code
 *     <out>/<protocol>.md}
 * @param data the machine-readable results, also written to {@code <out>/<protocol>.json}
 * @param files every file written (md, json, png)
 */
public record EvalResult(
    String protocol, String table, Map<String, Object> data, List<Path> files) {
  public EvalResult {
    data = Map.copyOf(data);
    files = List.copyOf(files);
  }
}
