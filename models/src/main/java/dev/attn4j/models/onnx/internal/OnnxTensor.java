package dev.attn4j.models.onnx.internal;

import dev.attn4j.models.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An ONNX {@code TensorProto}: name, dimensions, element type, and its data, held as little-endian bytes (from
 * {@code raw_data}, an external data file, or the typed repeated fields converted to bytes). Immutable.
 */
public record OnnxTensor(String name, long[] dims, int dataType, MemorySegment data) {
  /** ONNX element types used here. */
  public static final int FLOAT = 1;
  public static final int INT32 = 6;
  public static final int INT64 = 7;
  public static final int DOUBLE = 11;

  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The number of elements, checked against the data's size. */
  public long elements() {
    long n = 1;
    for (long d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Bytes per element of the type, or 0 for types this importer does not read. */
  static int elementSize(int dataType) {
    return switch (dataType) {
      case FLOAT, INT32 -> 4;
      case INT64, DOUBLE -> 8;
      default -> 0;
    };
  }

  /** The values as float32; the tensor must be FLOAT. */
  public float[] floats() throws ModelFormatException {
    if (dataType != FLOAT) {
      throw new ModelFormatException("tensor '" + name + "' has ONNX type " + dataType + ", not FLOAT");
    }
    return data.toArray(F32);
  }

  /** The values as longs (INT64, INT32, or integral FLOAT/DOUBLE scalars used as shapes). */
  public long[] longs() throws ModelFormatException {
    long n = elements();
    long[] out = new long[(int) n];
    for (int i = 0; i < n; i++) {
      out[i] = switch (dataType) {
        case INT64 -> data.getAtIndex(I64, i);
        case INT32 -> data.getAtIndex(I32, i);
        default -> throw new ModelFormatException("tensor '" + name + "' has ONNX type " + dataType + ", not an integer type");
      };
    }
    return out;
  }

  /** A scalar (one element) as a double, for FLOAT, DOUBLE, INT32 or INT64 tensors. */
  public double scalar() throws ModelFormatException {
    if (elements() != 1) {
      throw new ModelFormatException("tensor '" + name + "' is not a scalar: dims " + java.util.Arrays.toString(dims));
    }
    return switch (dataType) {
      case FLOAT -> data.get(F32, 0);
      case DOUBLE -> data.get(F64, 0);
      case INT32 -> data.get(I32, 0);
      case INT64 -> data.get(I64, 0);
      default -> throw new ModelFormatException("tensor '" + name + "' has unsupported ONNX type " + dataType);
    };
  }
}
