package io.streamalign.chaos.fuzz;

/**
 * The kinds of bad input the fuzzer sends (docs/producing.md lists what the services do with each).
 * Every record of these kinds must end with a reason: a dead letter on {@code <topic>.dlq} naming
 * its topic, partition and offset, or a drop counted in a service's metrics. {@link
 * #MISSING_MODALITY} may also be accepted as a single-modality sample.
 */
public enum Mutation {
  BIT_FLIP("bit flips (undecodable)"),
  TRUNCATED("truncated value"),
  WRONG_FINGERPRINT("wrong Avro schema fingerprint"),
  GARBAGE("random bytes"),
  EMPTY_VALUE("empty value"),
  OVERSIZED("10 MiB frame"),
  KEY_MISMATCH("key differs from streamId"),
  NAN_FEATURES("NaN/Inf features (av.paired, av.infer)"),
  NEGATIVE_SEQ("seq -1"),
  HUGE_SEQ("seq Long.MAX_VALUE"),
  FAR_FUTURE("event time one year ahead"),
  FAR_PAST("event time one year back"),
  EXACT_DUPLICATE("exact duplicate of a good record"),
  MISSING_MODALITY("frame without audio / audio without frame");

  private final String label;

  Mutation(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
