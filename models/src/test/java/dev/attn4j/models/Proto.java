package dev.attn4j.models;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A tiny protobuf writer for tests: enough to build ONNX messages by hand. */
final class Proto {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  Proto varint(int field, long v) {
    key(field, 0);
    raw(v);
    return this;
  }

  Proto bytes(int field, byte[] b) {
    key(field, 2);
    raw(b.length);
    out.writeBytes(b);
    return this;
  }

  Proto string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  Proto message(int field, Proto m) {
    return bytes(field, m.out.toByteArray());
  }

  private void key(int field, int wire) {
    raw((long) field << 3 | wire);
  }

  private void raw(long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  byte[] toBytes() {
    return out.toByteArray();
  }
}
