package dev.attn4j.models.safetensors;

/**
 * Element types a safetensors file may declare. Only the floating-point ones can become attn4j tensors
 * (float32 in place, the others converted once); the rest are recognised so a file carrying, say, an
 * {@code I64} position-id buffer still opens.
 *
 * <p>Stability: stable since 0.1.
 */
public enum DType {
  F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
  I64(8, false), I32(4, false), I16(2, false), I8(1, false), U8(1, false), BOOL(1, false);

  private final int bytes;
  private final boolean floating;

  DType(int bytes, boolean floating) {
    this.bytes = bytes;
    this.floating = floating;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether it converts to float32. */
  public boolean floating() {
    return floating;
  }
}
