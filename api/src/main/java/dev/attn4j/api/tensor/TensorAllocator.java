package dev.attn4j.api.tensor;

/**
 * Where a layer puts the tensors it returns: a {@link TensorScope} (owned, zero-filled memory that lives until the
 * scope closes) or a {@link Workspace} (reused scratch memory for intermediates).
 *
 * <p>Thread-safety is the implementation's: {@link TensorScope} is thread-safe, {@link Workspace} is not.
 *
 * <p>Stability: stable since 0.2.
 */
public interface TensorAllocator {
  /** A new tensor of {@code shape}, densely laid out in row-major order. */
  Tensor allocate(Shape shape);

  /** A new tensor with the given dimensions. */
  default Tensor allocate(int... dims) {
    return allocate(Shape.of(dims));
  }

  /** A new tensor with the given dimensions holding a copy of {@code data} (row-major). */
  default Tensor of(float[] data, int... dims) {
    Tensor t = allocate(Shape.of(dims));
    t.copyFrom(data);
    return t;
  }

  /** A new tensor holding a copy of {@code source}'s elements, densely laid out. */
  default Tensor copyOf(Tensor source) {
    Tensor t = allocate(source.shape());
    t.copyFrom(source);
    return t;
  }
}
