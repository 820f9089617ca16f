package io.streamalign.ingest.pairing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A featurized, partially assembled sample inside the pairing topology (one modality after
 * featurization, video+audio after the join, plus text after the text join). Kept only in the join
 * stores and changelogs of this topology, with the compact binary format of {@link #SERDE}.
 *
 * @param streamId the stream
 * @param seq sequence number of the moment (video seq after the join); -1 if untagged
 * @param eventTimeMs event time of the moment (the frame's event time after the join)
 * @param sampleId stable id of the assembled sample (null before the video-audio join)
 * @param video video features or null
 * @param audio audio features or null
 * @param text text features or null
 * @param caption the raw text or null
 */
record Partial(String streamId, long seq, long eventTimeMs, String sampleId, float[] video, float[] audio,
    float[] text, String caption) {

  private static final byte FORMAT = 1;

  static Partial video(String streamId, long seq, long t, float[] f) {
    return new Partial(streamId, seq, t, null, f, null, null, null);
  }

  static Partial audio(String streamId, long seq, long t, float[] f) {
    return new Partial(streamId, seq, t, null, null, f, null, null);
  }

  static Partial text(String streamId, long seq, long t, float[] f, String caption) {
    return new Partial(streamId, seq, t, null, null, null, f, caption);
  }

  boolean tagged() {
    return seq >= 0;
  }

  /** Same moment: both tagged with equal seq, or at least one untagged (then the window alone decides). */
  boolean sameMomentAs(Partial other) {
    return !tagged() || !other.tagged() || seq == other.seq;
  }

  Partial withText(Partial t) {
    return new Partial(streamId, seq, eventTimeMs, sampleId, video, audio, t.text, t.caption);
  }

  /** Binary serde: format byte, fields in order, null arrays as length -1. */
  static final Serde<Partial> SERDE = Serdes.serdeFrom(new Ser(), new Deser());

  private static final class Ser implements Serializer<Partial> {
    @Override
    public byte[] serialize(String topic, Partial p) {
      if (p == null) return null;
      int size = 64 + 4 * (len(p.video) + len(p.audio) + len(p.text));
      ByteArrayOutputStream bos = new ByteArrayOutputStream(size);
      try (DataOutputStream out = new DataOutputStream(bos)) {
        out.writeByte(FORMAT);
        out.writeUTF(p.streamId);
        out.writeLong(p.seq);
        out.writeLong(p.eventTimeMs);
        writeString(out, p.sampleId);
        writeFloats(out, p.video);
        writeFloats(out, p.audio);
        writeFloats(out, p.text);
        writeString(out, p.caption);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bos.toByteArray();
    }

    private static int len(float[] f) {
      return f == null ? 0 : f.length;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
      out.writeBoolean(s != null);
      if (s != null) out.writeUTF(s);
    }

    private static void writeFloats(DataOutputStream out, float[] f) throws IOException {
      if (f == null) {
        out.writeInt(-1);
        return;
      }
      out.writeInt(f.length);
      for (float v : f) out.writeFloat(v);
    }
  }

  private static final class Deser implements Deserializer<Partial> {
    @Override
    public Partial deserialize(String topic, byte[] data) {
      if (data == null) return null;
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format != FORMAT) throw new SerializationException("unknown Partial format " + format);
        return new Partial(in.readUTF(), in.readLong(), in.readLong(), readString(in), readFloats(in), readFloats(in),
            readFloats(in), readString(in));
      } catch (IOException e) {
        throw new SerializationException("corrupt Partial", e);
      }
    }

    private static String readString(DataInputStream in) throws IOException {
      return in.readBoolean() ? in.readUTF() : null;
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
      int n = in.readInt();
      if (n < 0) return null;
      if (n > in.available() / 4) throw new SerializationException("corrupt Partial: array length " + n);
      float[] f = new float[n];
      for (int i = 0; i < n; i++) f[i] = in.readFloat();
      return f;
    }
  }
}
