package io.streamalign.ingest.pairing;

import io.streamalign.schemas.avro.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka headers of a dead-letter record: where the failed record came from and why, readable by
 * any tool without decoding the {@link DeadLetter} value (the same facts are in the value).
 */
final class DeadLetterHeaders {
  static final String TOPIC = "streamalign.dlq.topic";
  static final String PARTITION = "streamalign.dlq.partition";
  static final String OFFSET = "streamalign.dlq.offset";
  static final String STAGE = "streamalign.dlq.stage";
  static final String REASON = "streamalign.dlq.reason";

  /** Longest reason header (characters); the value holds the whole message. */
  private static final int MAX_REASON_CHARS = 512;

  private DeadLetterHeaders() {}

  static Headers of(DeadLetter d) {
    RecordHeaders h = new RecordHeaders();
    h.add(TOPIC, bytes(d.getOriginalTopic()));
    h.add(PARTITION, bytes(Integer.toString(d.getPartition())));
    h.add(OFFSET, bytes(Long.toString(d.getOffset())));
    h.add(STAGE, bytes(d.getStage()));
    String reason = d.getErrorMessage();
    h.add(
        REASON,
        bytes(
            reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS)));
    return h;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
