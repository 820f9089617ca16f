package io.streamalign.ingest.pairing;

import io.streamalign.schemas.avro.DeadLetter;

/** Either a processed value or the dead letter explaining why there is none (never serialized). */
record Outcome<R>(R value, DeadLetter dead) {
  static <R> Outcome<R> ok(R value) {
    return new Outcome<>(value, null);
  }

  static <R> Outcome<R> dead(DeadLetter dl) {
    return new Outcome<>(null, dl);
  }

  boolean isDead() {
    return dead != null;
  }
}
