package dev.attn4j.models.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One float32 weight to write: its Hugging Face shape and its little-endian source bytes, either as they are or,
 * for a matrix-multiply weight stored {@code [in, out]}, transposed to {@code [out, in]}. Immutable.
 */
public record Weight(long[] shape, MemorySegment source, boolean transposed) {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Bytes once written. */
  public long byteSize() {
    return source.byteSize();
  }

  /** The bytes in Hugging Face layout (a copy when transposed, a view otherwise). */
  public MemorySegment bytes() {
    if (!transposed) {
      return source;
    }
    int rows = (int) shape[0]; // out
    int cols = (int) shape[1]; // in
    MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(rows * cols, Float.BYTES)]);
    for (int i = 0; i < cols; i++) {
      for (int o = 0; o < rows; o++) {
        out.setAtIndex(F32, (long) o * cols + i, source.getAtIndex(F32, (long) i * rows + o));
      }
    }
    return out;
  }
}
