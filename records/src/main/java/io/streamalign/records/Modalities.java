package io.streamalign.records;

import io.streamalign.model.Modality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The mapping between the Avro {@code Modality} enum of the topics and the model's {@link
 * Modality}.
 */
public final class Modalities {

  private Modalities() {}

  /** The model's modality for an Avro one. */
  public static Modality toModel(io.streamalign.schemas.avro.Modality m) {
    if (m == null) throw new InvalidRecordException("modality is missing");
    return switch (m) {
      case VIDEO -> Modality.VIDEO;
      case AUDIO -> Modality.AUDIO;
      case TEXT -> Modality.TEXT;
    };
  }

  /** The Avro modality for a model one. */
  public static io.streamalign.schemas.avro.Modality toAvro(Modality m) {
    return switch (m) {
      case VIDEO -> io.streamalign.schemas.avro.Modality.VIDEO;
      case AUDIO -> io.streamalign.schemas.avro.Modality.AUDIO;
      case TEXT -> io.streamalign.schemas.avro.Modality.TEXT;
    };
  }

  /** The model modalities of Avro ones (null: none). */
  public static Set<Modality> toModel(Collection<io.streamalign.schemas.avro.Modality> ms) {
    Set<Modality> out = EnumSet.noneOf(Modality.class);
    if (ms != null) for (io.streamalign.schemas.avro.Modality m : ms) out.add(toModel(m));
    return out;
  }

  /** The Avro modalities of model ones, in the model enum's order. */
  public static List<io.streamalign.schemas.avro.Modality> toAvro(Collection<Modality> ms) {
    List<io.streamalign.schemas.avro.Modality> out = new ArrayList<>();
    for (Modality m : Modality.values()) if (ms.contains(m)) out.add(toAvro(m));
    return out;
  }

  /**
   * A modality typed by a user or read from text: {@code video}, {@code AUDIO}, ... (case and
   * surrounding blanks ignored).
   *
   * @throws InvalidRecordException naming the accepted values otherwise
   */
  public static Modality parse(String name) {
    if (name == null || name.isBlank()) {
      throw new InvalidRecordException("modality is missing (one of " + names() + ")");
    }
    String n = name.trim().toUpperCase(Locale.ROOT);
    for (Modality m : Modality.values()) if (m.name().equals(n)) return m;
    throw new InvalidRecordException("unknown modality '" + name + "' (one of " + names() + ")");
  }

  private static String names() {
    return Arrays.toString(Modality.values()).toLowerCase(Locale.ROOT);
  }
}
