package dev.attn4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Protocol-buffer wire encoding of one message into memory (varints, length-delimited fields, fixed32 floats): the
 * little that writing an ONNX model needs. Large payloads are not buffered here; {@link #lengthPrefix} lets a caller
 * stream them after a header written with this class. Not thread-safe.
 */
final class ProtoWriter {
  private static final int VARINT = 0;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** An int64/int32/enum field. */
  ProtoWriter varint(int field, long value) {
    tag(field, VARINT);
    rawVarint(out, value);
    return this;
  }

  /** A float field. */
  ProtoWriter fixed32(int field, float value) {
    tag(field, FIXED32);
    int bits = Float.floatToRawIntBits(value);
    for (int i = 0; i < 4; i++) {
      out.write(bits >>> (8 * i));
    }
    return this;
  }

  /** A string field. */
  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  /** A bytes field. */
  ProtoWriter bytes(int field, byte[] value) {
    lengthPrefix(field, value.length);
    out.writeBytes(value);
    return this;
  }

  /** An embedded message. */
  ProtoWriter message(int field, ProtoWriter message) {
    return bytes(field, message.toByteArray());
  }

  /** The tag and length of a length-delimited field whose {@code length} bytes the caller writes next. */
  ProtoWriter lengthPrefix(int field, long length) {
    tag(field, LENGTH_DELIMITED);
    rawVarint(out, length);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  int size() {
    return out.size();
  }

  /** Bytes {@link #lengthPrefix} writes for {@code field} and {@code length}. */
  static int prefixSize(int field, long length) {
    return varintSize((long) field << 3) + varintSize(length);
  }

  /** Writes the encoded message to {@code to}. */
  void writeTo(OutputStream to) throws IOException {
    out.writeTo(to);
  }

  private void tag(int field, int wireType) {
    rawVarint(out, ((long) field << 3) | wireType);
  }

  private static void rawVarint(ByteArrayOutputStream out, long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static int varintSize(long value) {
    int n = 1;
    for (long v = value; (v & ~0x7FL) != 0; v >>>= 7) {
      n++;
    }
    return n;
  }
}
