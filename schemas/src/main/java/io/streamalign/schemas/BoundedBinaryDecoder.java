package io.streamalign.schemas;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary {@link Decoder} over a byte array that never trusts a length it reads.
 *
 * <p>Avro's own decoders check lengths only against global limits (about 2 GB by default), so a
 * corrupted or hostile length prefix can make them allocate a huge buffer before they notice the
 * input is short. Here every string or bytes length must fit in the bytes that are left, and every
 * array or map block count must too (each item of every StreamAlign schema takes at least one
 * byte), so a bad prefix fails at once with an {@link EOFException} and no allocation.
 */
final class BoundedBinaryDecoder extends Decoder {
  private final byte[] buf;
  private int pos;
  private final int limit;

  BoundedBinaryDecoder(byte[] buf, int offset, int length) {
    if (offset < 0 || length < 0 || offset > buf.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + ", array " + buf.length);
    }
    this.buf = buf;
    this.pos = offset;
    this.limit = offset + length;
  }

  /** Bytes not yet consumed. */
  int remaining() {
    return limit - pos;
  }

  private void require(long n, String what) throws EOFException {
    if (n < 0) {
      throw new AvroRuntimeException("Malformed data: negative " + what + " " + n);
    }
    if (n > remaining()) {
      throw new EOFException(
          what + " " + n + " exceeds the " + remaining() + " bytes left in the message");
    }
  }

  @Override
  public void readNull() {}

  @Override
  public boolean readBoolean() throws IOException {
    require(1, "boolean");
    int b = buf[pos++];
    if (b != 0 && b != 1) {
      throw new AvroRuntimeException("Malformed data: boolean byte " + b);
    }
    return b == 1;
  }

  @Override
  public int readInt() throws IOException {
    long l = readVarLong(5, "int");
    if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      throw new AvroRuntimeException("Malformed data: int out of range " + l);
    }
    return (int) l;
  }

  @Override
  public long readLong() throws IOException {
    return readVarLong(10, "long");
  }

  /** Zig-zag varint, as in the Avro specification's binary encoding. */
  private long readVarLong(int maxBytes, String what) throws IOException {
    long raw = 0;
    int shift = 0;
    for (int i = 0; i < maxBytes; i++) {
      require(1, what);
      int b = buf[pos++] & 0xff;
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
      shift += 7;
    }
    throw new AvroRuntimeException(
        "Malformed data: varint " + what + " longer than " + maxBytes + " bytes");
  }

  @Override
  public float readFloat() throws IOException {
    require(4, "float");
    int bits =
        (buf[pos] & 0xff)
            | (buf[pos + 1] & 0xff) << 8
            | (buf[pos + 2] & 0xff) << 16
            | (buf[pos + 3] & 0xff) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    require(8, "double");
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (buf[pos + i] & 0xffL);
    }
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  private int readLength(String what) throws IOException {
    long n = readLong();
    require(n, what + " length");
    return (int) n;
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int n = readLength("string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(n);
    System.arraycopy(buf, pos, result.getBytes(), 0, n);
    pos += n;
    return result;
  }

  @Override
  public String readString() throws IOException {
    int n = readLength("string");
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  @Override
  public void skipString() throws IOException {
    pos += readLength("string");
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int n = readLength("bytes");
    ByteBuffer result;
    if (old != null && n <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(n);
    }
    result.put(buf, pos, n);
    result.flip();
    pos += n;
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    pos += readLength("bytes");
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    require(length, "fixed");
    System.arraycopy(buf, pos, bytes, start, length);
    pos += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    require(length, "fixed");
    pos += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  /**
   * Reads a block count. A negative count is followed by the block's size in bytes (Avro spec,
   * "Complex Types: Arrays"); both are checked against what is left.
   */
  private long readBlockCount(String what) throws IOException {
    long count = readLong();
    if (count < 0) {
      if (count == Long.MIN_VALUE) {
        throw new AvroRuntimeException("Malformed data: " + what + " block count " + count);
      }
      count = -count;
      long size = readLong();
      require(size, what + " block size");
    }
    require(count, what + " block count");
    return count;
  }

  @Override
  public long readArrayStart() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long arrayNext() throws IOException {
    return readBlockCount("array");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array");
  }

  @Override
  public long readMapStart() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long mapNext() throws IOException {
    return readBlockCount("map");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map");
  }

  /**
   * Skips blocks that carry their byte size; returns the item count of the first block that does
   * not.
   */
  private long skipBlocks(String what) throws IOException {
    while (true) {
      long count = readLong();
      if (count >= 0) {
        require(count, what + " block count");
        return count;
      }
      if (count == Long.MIN_VALUE) {
        throw new AvroRuntimeException("Malformed data: " + what + " block count " + count);
      }
      long size = readLong();
      require(size, what + " block size");
      pos += (int) size;
    }
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }
}
