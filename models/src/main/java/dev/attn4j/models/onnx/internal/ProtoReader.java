package dev.attn4j.models.onnx.internal;

import dev.attn4j.models.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over one protobuf message in wire format: field keys, varints, fixed-width values and length-delimited
 * payloads, each read with its bounds checked against the message's end, so a truncated file or an impossible length
 * is a {@link ModelFormatException} naming the offset, never a read outside the buffer. Not thread-safe.
 */
public final class ProtoReader {
  /** Wire types. */
  public static final int VARINT = 0;
  public static final int FIXED64 = 1;
  public static final int LEN = 2;
  public static final int FIXED32 = 5;

  private final MemorySegment data;
  private final String source;
  private long pos;
  private final long end;
  private int field;
  private int wireType;

  private ProtoReader(MemorySegment data, String source, long start, long end) {
    this.data = data;
    this.source = source;
    this.pos = start;
    this.end = end;
  }

  /** A reader over all of {@code data}; {@code source} names it in error messages. */
  public static ProtoReader of(MemorySegment data, String source) {
    return new ProtoReader(data, source, 0, data.byteSize());
  }

  /** Whether unread bytes remain in this message. */
  public boolean hasMore() {
    return pos < end;
  }

  /** Advances to the next field; false at the end of the message. */
  public boolean next() throws ModelFormatException {
    if (pos >= end) {
      return false;
    }
    long key = varint();
    field = (int) (key >>> 3);
    wireType = (int) (key & 7);
    if (field <= 0 || key >>> 3 > Integer.MAX_VALUE) {
      throw error("invalid field number " + (key >>> 3));
    }
    if (wireType != VARINT && wireType != FIXED64 && wireType != LEN && wireType != FIXED32) {
      throw error("unsupported wire type " + wireType + " for field " + field);
    }
    return true;
  }

  public int field() {
    return field;
  }

  public int wireType() {
    return wireType;
  }

  /** The current field as an unsigned varint (int64/int32/enum/bool fields). */
  public long varint() throws ModelFormatException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error("truncated varint");
      }
      byte b = data.get(ValueLayout.JAVA_BYTE, pos++);
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error("varint longer than 10 bytes");
  }

  /** The current fixed32 field as a float. */
  public float fixed32Float() throws ModelFormatException {
    require(4);
    float f = data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), pos);
    pos += 4;
    return f;
  }

  /** The current length-delimited field's bytes, as a slice of the underlying data (no copy). */
  public MemorySegment bytes() throws ModelFormatException {
    long len = length();
    MemorySegment s = data.asSlice(pos, len);
    pos += len;
    return s;
  }

  private long length() throws ModelFormatException {
    long len = varint();
    if (len < 0 || len > end - pos) {
      throw error("length " + Long.toUnsignedString(len) + " runs past the end of its message (" + (end - pos) + " bytes left)");
    }
    return len;
  }

  /** The current length-delimited field as UTF-8 text. */
  public String string() throws ModelFormatException {
    return new String(bytes().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
  }

  /** The current length-delimited field as an embedded message. */
  public ProtoReader message() throws ModelFormatException {
    long len = length();
    ProtoReader r = new ProtoReader(data, source, pos, pos + len);
    pos += len;
    return r;
  }

  /** Skips the current field's value. */
  public void skip() throws ModelFormatException {
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> advance(8);
      case FIXED32 -> advance(4);
      case LEN -> bytes();
      default -> throw error("unsupported wire type " + wireType);
    }
  }

  /**
   * Values of a repeated int64/int32 field, which writers emit either packed (one length-delimited run) or one per
   * field occurrence; appends to {@code out}.
   */
  public void repeatedVarints(LongList out) throws ModelFormatException {
    if (wireType == LEN) {
      ProtoReader run = message();
      while (run.hasMore()) {
        out.add(run.varint());
      }
    } else if (wireType == VARINT) {
      out.add(varint());
    } else {
      throw error("field " + field + " should hold integers but has wire type " + wireType);
    }
  }

  private void advance(long n) throws ModelFormatException {
    require(n);
    pos += n;
  }

  private void require(long n) throws ModelFormatException {
    if (end - pos < n) {
      throw error("truncated: " + n + " bytes needed, " + (end - pos) + " left");
    }
  }

  /** An error at the current position. */
  public ModelFormatException error(String what) {
    return new ModelFormatException(source + ": malformed protobuf at byte " + pos + ": " + what);
  }

  /**
   * Values of a repeated float field, packed (one length-delimited run of fixed32) or one per field occurrence;
   * appends to {@code out}.
   */
  public void repeatedFloats(FloatList out) throws ModelFormatException {
    if (wireType == LEN) {
      ProtoReader run = message();
      while (run.hasMore()) {
        out.add(run.fixed32Float());
      }
    } else if (wireType == FIXED32) {
      out.add(fixed32Float());
    } else {
      throw error("field " + field + " should hold floats but has wire type " + wireType);
    }
  }

  /** A growable list of floats (no boxing: a weight can hold millions). */
  public static final class FloatList {
    private float[] values = new float[8];
    private int size;

    public void add(float v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    public int size() {
      return size;
    }

    public float get(int i) {
      return values[i];
    }
  }

  /** A growable list of longs. */
  public static final class LongList {
    private long[] values = new long[8];
    private int size;

    public void add(long v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    public long[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }
}
