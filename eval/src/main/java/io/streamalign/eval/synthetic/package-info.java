/**
 * CroMA section 5.5 / Fig. 8: alignment versus supervision on synthetic linear data, in exact
 * pure-Java dense linear algebra (no library).
 */
package io.streamalign.eval.synthetic;
