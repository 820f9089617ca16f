package io.streamalign.ingest.pairing;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A featurized, partially assembled sample inside the pairing topology (one modality after
 * featurization, video+audio after the join, plus text after the text join). Kept only in the join
 * stores, repartition topics and changelogs of this topology, in the compact binary format of
 * {@link #SERDE}.
 *
 * <p>Deserialization is lazy: the header (stream, seq, times, ids, caption) is parsed at once and
 * the feature arrays only when read. A window join fetches every record of the key in the window
 * and the joiner usually looks at the seq alone, so most candidates are never decoded.
 */
final class Partial {

  /**
   * Format 4 adds the source record (topic, partition, offset) of each part, so that a part refused
   * when its moment is released names its source record (docs/producing.md, "What happens to a
   * violation"). Formats 2 and 3 are still read (their parts have no source), so that state and
   * repartitioned records written before the upgrade are kept; a version older than format 4 cannot
   * read format 4 (a downgrade must reset the application's state).
   */
  private static final byte FORMAT = 4;

  /** Format 3 had no part sources. */
  private static final byte FORMAT_WITHOUT_SOURCES = 3;

  /** Format 2 had no session either. */
  private static final byte FORMAT_WITHOUT_SESSION = 2;

  private final String streamId;
  private final long seq;
  private final String session;
  private final long eventTimeMs;
  private final String sampleId;
  private final String caption;
  // the source record of each part (null = unknown: not kept yet, or written in an older format)
  private final SourceHeaders.Source videoSource;
  private final SourceHeaders.Source audioSource;
  private final SourceHeaders.Source textSource;
  private float[] video;
  private float[] audio;
  private float[] text;
  // lazily decoded arrays: the serialized bytes and the offsets of the arrays (-1 = absent)
  private final byte[] raw;
  private final int[] offsets;

  Partial(
      String streamId,
      long seq,
      String session,
      long eventTimeMs,
      String sampleId,
      float[] video,
      float[] audio,
      float[] text,
      String caption) {
    this(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        video,
        audio,
        text,
        caption,
        null,
        null,
        null);
  }

  private Partial(
      String streamId,
      long seq,
      String session,
      long eventTimeMs,
      String sampleId,
      float[] video,
      float[] audio,
      float[] text,
      String caption,
      SourceHeaders.Source videoSource,
      SourceHeaders.Source audioSource,
      SourceHeaders.Source textSource) {
    this.videoSource = videoSource;
    this.audioSource = audioSource;
    this.textSource = textSource;
    this.streamId = streamId;
    this.seq = seq;
    this.session = session;
    this.eventTimeMs = eventTimeMs;
    this.sampleId = sampleId;
    this.video = video;
    this.audio = audio;
    this.text = text;
    this.caption = caption;
    this.raw = null;
    this.offsets = null;
  }

  private Partial(
      String streamId,
      long seq,
      String session,
      long eventTimeMs,
      String sampleId,
      String caption,
      SourceHeaders.Source videoSource,
      SourceHeaders.Source audioSource,
      SourceHeaders.Source textSource,
      byte[] raw,
      int[] offsets) {
    this.videoSource = videoSource;
    this.audioSource = audioSource;
    this.textSource = textSource;
    this.streamId = streamId;
    this.seq = seq;
    this.session = session;
    this.eventTimeMs = eventTimeMs;
    this.sampleId = sampleId;
    this.caption = caption;
    this.raw = raw;
    this.offsets = offsets;
  }

  static Partial video(String streamId, long seq, String session, long t, float[] f) {
    return new Partial(streamId, seq, session, t, null, f, null, null, null);
  }

  static Partial audio(String streamId, long seq, String session, long t, float[] f) {
    return new Partial(streamId, seq, session, t, null, null, f, null, null);
  }

  static Partial text(
      String streamId, long seq, String session, long t, float[] f, String caption) {
    return new Partial(streamId, seq, session, t, null, null, null, f, caption);
  }

  /**
   * A marker carrying only a time: the sample gate sends one per stream after releasing held
   * samples on the wall clock, so that the label join's stream time passes its grace and it emits
   * them too. It never becomes a sample.
   */
  static Partial timeMarker(String streamId, long t) {
    return new Partial(streamId, -1, null, t, null, null, null, null, null);
  }

  boolean isTimeMarker() {
    return sampleId == null;
  }

  /**
   * The sample id of this record's moment: {@code streamId#seq}, or {@code streamId#seq/session}
   * when the producer sent a session (so a restarted producer's seqs are never taken for
   * duplicates).
   */
  String momentId() {
    return streamId + "#" + seq + (session == null ? "" : "/" + session);
  }

  /**
   * This record as (the first part of) its moment: the same, with the moment id as its sample id.
   */
  Partial asMoment() {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        momentId(),
        video(),
        audio(),
        text(),
        caption,
        videoSource,
        audioSource,
        textSource);
  }

  /**
   * The same, with {@code source} as the source record of each part it has (a decoded record has
   * one part).
   */
  Partial withSource(SourceHeaders.Source source) {
    if (source == null) return this;
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        video(),
        audio(),
        text(),
        caption,
        hasVideo() ? source : videoSource,
        hasAudio() ? source : audioSource,
        hasText() ? source : textSource);
  }

  /** The source record of the frame, or null if unknown. */
  SourceHeaders.Source videoSource() {
    return videoSource;
  }

  /** The source record of the audio chunk, or null if unknown. */
  SourceHeaders.Source audioSource() {
    return audioSource;
  }

  /** The source record of the caption, or null if unknown. */
  SourceHeaders.Source textSource() {
    return textSource;
  }

  /** The frame alone (with its source), as its own part. */
  Partial videoPart() {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        video(),
        null,
        null,
        null,
        videoSource,
        null,
        null);
  }

  /** The audio chunk alone (with its source), as its own part. */
  Partial audioPart() {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        null,
        audio(),
        null,
        null,
        null,
        audioSource,
        null);
  }

  /** The caption alone (with its source), as its own part. */
  Partial textPart() {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        null,
        null,
        text(),
        caption,
        null,
        null,
        textSource);
  }

  /** The same without the caption (the frame and/or chunk, with their sources). */
  Partial withoutText() {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        video(),
        audio(),
        null,
        null,
        videoSource,
        audioSource,
        null);
  }

  String session() {
    return session;
  }

  String streamId() {
    return streamId;
  }

  long seq() {
    return seq;
  }

  long eventTimeMs() {
    return eventTimeMs;
  }

  String sampleId() {
    return sampleId;
  }

  String caption() {
    return caption;
  }

  float[] video() {
    if (video == null && raw != null) video = decode(0);
    return video;
  }

  float[] audio() {
    if (audio == null && raw != null) audio = decode(1);
    return audio;
  }

  float[] text() {
    if (text == null && raw != null) text = decode(2);
    return text;
  }

  boolean hasText() {
    return text != null || (raw != null && offsets[2] >= 0);
  }

  /** Whether both video and audio are present (a pair), as opposed to a lone frame or chunk. */
  boolean isPair() {
    return raw != null ? offsets[0] >= 0 && offsets[1] >= 0 : video != null && audio != null;
  }

  boolean hasVideo() {
    return video != null || (raw != null && offsets[0] >= 0);
  }

  boolean hasAudio() {
    return audio != null || (raw != null && offsets[1] >= 0);
  }

  /**
   * This moment with the parts of {@code other} (same moment) that it lacks; a part it already has
   * is kept (a second copy of a part is a duplicate). The event time is the frame's, else the
   * chunk's.
   */
  Partial merge(Partial other) {
    float[] v = hasVideo() ? video() : other.video();
    float[] a = hasAudio() ? audio() : other.audio();
    boolean ownText = hasText();
    float[] t = ownText ? text() : other.text();
    String c = ownText ? caption : other.caption;
    long time =
        hasVideo()
            ? eventTimeMs
            : other.hasVideo()
                ? other.eventTimeMs
                : hasAudio() ? eventTimeMs : other.hasAudio() ? other.eventTimeMs : eventTimeMs;
    return new Partial(
        streamId,
        seq,
        session,
        time,
        momentId(),
        v,
        a,
        t,
        c,
        hasVideo() ? videoSource : other.videoSource,
        hasAudio() ? audioSource : other.audioSource,
        ownText ? textSource : other.textSource);
  }

  /** Same moment: equal seq from the same producer session (or both without a session). */
  boolean sameMomentAs(Partial other) {
    return seq == other.seq && java.util.Objects.equals(session, other.session);
  }

  Partial withText(Partial t) {
    return new Partial(
        streamId,
        seq,
        session,
        eventTimeMs,
        sampleId,
        video(),
        audio(),
        t.text(),
        t.caption(),
        videoSource,
        audioSource,
        t.textSource);
  }

  private float[] decode(int which) {
    int off = offsets[which];
    if (off < 0) return null;
    ByteBuffer b = ByteBuffer.wrap(raw);
    b.position(off);
    int n = b.getInt();
    float[] f = new float[n];
    b.asFloatBuffer().get(f);
    return f;
  }

  /**
   * Binary serde: format byte, header fields, the source of each part (a presence byte, then topic,
   * partition and offset), then the arrays (length + big-endian floats, -1 if absent).
   */
  static final Serde<Partial> SERDE = Serdes.serdeFrom(new Ser(), new Deser());

  private static final class Ser implements Serializer<Partial> {
    @Override
    public byte[] serialize(String topic, Partial p) {
      if (p == null) return null;
      float[] v = p.video();
      float[] a = p.audio();
      float[] t = p.text();
      ByteArrayOutputStream bos = new ByteArrayOutputStream(128 + 4 * (len(v) + len(a) + len(t)));
      try (DataOutputStream out = new DataOutputStream(bos)) {
        out.writeByte(FORMAT);
        writeString(out, p.streamId);
        out.writeLong(p.seq);
        out.writeLong(p.eventTimeMs);
        writeString(out, p.sampleId);
        writeString(out, p.caption);
        writeString(out, p.session);
        writeSource(out, p.videoSource);
        writeSource(out, p.audioSource);
        writeSource(out, p.textSource);
        writeFloats(out, v);
        writeFloats(out, a);
        writeFloats(out, t);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bos.toByteArray();
    }

    private static int len(float[] f) {
      return f == null ? 0 : f.length;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
      if (s == null) {
        out.writeInt(-1);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }

    private static void writeSource(DataOutputStream out, SourceHeaders.Source s)
        throws IOException {
      if (s == null) {
        out.writeByte(0);
        return;
      }
      out.writeByte(1);
      writeString(out, s.topic());
      out.writeInt(s.partition());
      out.writeLong(s.offset());
    }

    private static void writeFloats(DataOutputStream out, float[] f) throws IOException {
      if (f == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(f.length);
      // one bulk copy (big-endian, as DataOutputStream writes): a float at a time was the sample
      // gate's
      // largest cost after featurization in the pairing bench's profile
      ByteBuffer b = ByteBuffer.allocate(4 * f.length);
      b.asFloatBuffer().put(f);
      out.write(b.array());
    }
  }

  private static final class Deser implements Deserializer<Partial> {
    @Override
    public Partial deserialize(String topic, byte[] data) {
      if (data == null) return null;
      try {
        ByteBuffer b = ByteBuffer.wrap(data);
        byte format = b.get();
        if (format != FORMAT
            && format != FORMAT_WITHOUT_SOURCES
            && format != FORMAT_WITHOUT_SESSION) {
          throw new SerializationException("unknown Partial format " + format);
        }
        String streamId = readString(b);
        long seq = b.getLong();
        long t = b.getLong();
        String sampleId = readString(b);
        String caption = readString(b);
        String session = format == FORMAT_WITHOUT_SESSION ? null : readString(b);
        SourceHeaders.Source vs = format == FORMAT ? readSource(b) : null;
        SourceHeaders.Source as = format == FORMAT ? readSource(b) : null;
        SourceHeaders.Source ts = format == FORMAT ? readSource(b) : null;
        int[] offsets = new int[3];
        for (int i = 0; i < 3; i++) {
          int off = b.position();
          int n = b.getInt();
          if (n < 0) {
            offsets[i] = -1;
            continue;
          }
          if (n > b.remaining() / 4)
            throw new SerializationException("corrupt Partial: array length " + n);
          offsets[i] = off;
          b.position(b.position() + 4 * n);
        }
        return new Partial(streamId, seq, session, t, sampleId, caption, vs, as, ts, data, offsets);
      } catch (BufferUnderflowException | IllegalArgumentException e) {
        throw new SerializationException("corrupt Partial", e);
      }
    }

    private static SourceHeaders.Source readSource(ByteBuffer b) {
      byte present = b.get();
      if (present == 0) return null;
      if (present != 1) throw new SerializationException("corrupt Partial: source flag " + present);
      String topic = readString(b);
      if (topic == null)
        throw new SerializationException("corrupt Partial: source without a topic");
      return new SourceHeaders.Source(topic, b.getInt(), b.getLong());
    }

    private static String readString(ByteBuffer b) {
      int n = b.getInt();
      if (n < 0) return null;
      if (n > b.remaining())
        throw new SerializationException("corrupt Partial: string length " + n);
      String s = new String(data(b, n), StandardCharsets.UTF_8);
      return s;
    }

    private static byte[] data(ByteBuffer b, int n) {
      byte[] out = new byte[n];
      b.get(out);
      return out;
    }
  }
}
