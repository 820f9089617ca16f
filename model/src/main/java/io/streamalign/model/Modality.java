package io.streamalign.model;

/** The input modalities StreamAlign learns from. Names match the Avro {@code Modality} enum. */
public enum Modality {
  VIDEO,
  AUDIO,
  TEXT
}
