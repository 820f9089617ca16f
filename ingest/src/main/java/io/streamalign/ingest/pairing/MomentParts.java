package io.streamalign.ingest.pairing;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The parts a producer declares its moment has, in the header {@value #HEADER} of the moment's
 * frame, chunk and caption: a comma-separated list of {@code video}, {@code audio} and {@code text}
 * (docs/producing.md, "Declaring a moment's parts"). With it, pairing emits the moment as soon as
 * those parts are in, instead of waiting for the hold to learn that a caption is not coming. Held
 * only in memory: after a restart of pairing a moment falls back to the hold rules (later, never
 * lost).
 */
final class MomentParts {
  static final String HEADER = "streamalign.parts";
  static final int VIDEO = 1;
  static final int AUDIO = 2;
  static final int TEXT = 4;
  private static final String[] NAMES = {"video", "audio", "text"};

  private MomentParts() {}

  /**
   * The declared parts of a record of part {@code own} ({@link #VIDEO}, {@link #AUDIO} or {@link
   * #TEXT}; 0 for a label, whose header is ignored), or 0 when it declares none.
   *
   * @throws InvalidInputException when the header is not a list of distinct part names including
   *     the record's own part
   */
  static int read(Headers headers, int own) {
    if (own == 0) return 0;
    Header h = headers.lastHeader(HEADER);
    if (h == null) return 0;
    String v = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    int mask = 0;
    for (String token : v.split(",", -1)) {
      int bit = bit(token.trim());
      if (bit == 0 || (mask & bit) != 0) {
        throw new InvalidInputException(
            "bad "
                + HEADER
                + " header '"
                + (v.length() > 80 ? v.substring(0, 80) + "..." : v)
                + "' (a comma-separated list of distinct parts: video, audio, text)");
      }
      mask |= bit;
    }
    if ((mask & own) == 0) {
      throw new InvalidInputException(
          "bad "
              + HEADER
              + " header '"
              + v
              + "': it does not list the record's own part, "
              + NAMES[Integer.numberOfTrailingZeros(own)]);
    }
    return mask;
  }

  /** The header value of a mask, e.g. {@code video,audio}. */
  static String format(int mask) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      if ((mask & (1 << i)) == 0) continue;
      if (sb.length() > 0) sb.append(',');
      sb.append(NAMES[i]);
    }
    return sb.toString();
  }

  /** The mask carried by an internal header (written by the decoding step), or 0. */
  static int carried(Headers headers) {
    Header h = headers.lastHeader(HEADER);
    if (h == null || h.value() == null || h.value().length != 1) return 0;
    return h.value()[0] & 7;
  }

  /** Adds the internal header carrying {@code mask} (nothing when 0). */
  static Headers carry(Headers headers, int mask) {
    if (mask != 0) headers.add(HEADER, new byte[] {(byte) mask});
    return headers;
  }

  private static int bit(String name) {
    for (int i = 0; i < 3; i++) if (NAMES[i].equals(name)) return 1 << i;
    return 0;
  }
}
