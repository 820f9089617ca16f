package io.streamalign.trainer.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.streamalign.schemas.Json;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a snapshot's learner state came from, as the trainer records it inside the learner's
 * snapshot bytes (beside the learner's own entries: learner class, seed, enrolled classes). Stored
 * as one JSON object under {@link #KEY}, written and read by the shared Jackson mapper, so a reader
 * gets typed values back (offsets as numbers by partition, not a printed map).
 *
 * @param modelName the model trained
 * @param version the snapshot version
 * @param createdAtMs when the snapshot was made (epoch ms)
 * @param sourceOffsets per input partition ({@code topic-partition}), the next offset not yet
 *     learned
 * @param trainer the trainer's transactional id
 * @param buildVersion the trainer's build version
 */
public record Provenance(
    String modelName,
    long version,
    long createdAtMs,
    Map<String, Long> sourceOffsets,
    String trainer,
    String buildVersion) {

  /** The key of the JSON object in the learner snapshot's provenance entries. */
  public static final String KEY = "trainer.provenance";

  public Provenance {
    Objects.requireNonNull(modelName, "modelName");
    sourceOffsets = Map.copyOf(new TreeMap<>(sourceOffsets));
  }

  /** The provenance entries to hand to the learner's {@code snapshot}. */
  public Map<String, String> entries() {
    return Map.of(KEY, Json.write(this));
  }

  /** The trainer's provenance among a snapshot's entries, if it has one. */
  public static Optional<Provenance> from(Map<String, String> entries) {
    String json = entries.get(KEY);
    if (json == null) return Optional.empty();
    try {
      return Optional.of(Json.mapper().readValue(json, Provenance.class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "unreadable " + KEY + " in a snapshot's provenance: " + e.getOriginalMessage(), e);
    }
  }
}
