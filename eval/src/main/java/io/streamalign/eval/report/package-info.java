/**
 * Report writing shared by the protocols: Markdown tables, JSON, PNG line charts (XChart) and the
 * machine description. Depends on nothing else in StreamAlign.
 */
package io.streamalign.eval.report;
