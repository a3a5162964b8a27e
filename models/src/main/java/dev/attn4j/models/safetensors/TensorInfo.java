package dev.attn4j.models.safetensors;

/**
 * One entry of a safetensors header, validated. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param name the parameter name
 * @param dtype element type
 * @param shape dimensions (empty for a scalar)
 * @param begin first byte, relative to the start of the data section
 * @param end one past the last byte
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public long elements() {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** The shape as {@code [a, b]}. */
  public String shapeString() {
    return java.util.Arrays.toString(shape);
  }
}
