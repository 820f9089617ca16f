package io.streamalign.eval;

import java.io.IOException;

/**
 * One evaluation protocol of docs/architecture.md, "Evaluation protocols" ({@code streamalign eval
 * NAME}).
 *
 * <p>A run writes {@code <out>/<name>.md} (a Markdown table with our numbers and the paper's side
 * by side, the machine and the date), {@code <out>/<name>.json} and PNG plots, and returns the
 * table text.
 */
public interface Protocol {

  /** The protocol's command-line name, e.g. {@code synthetic-linear}. */
  String name();

  /** One line saying what the protocol reproduces. */
  String description();

  /** Runs the protocol. */
  EvalResult run(EvalOptions opts) throws IOException;
}
