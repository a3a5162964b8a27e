package dev.attn4j.api.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Owns the off-heap memory of the tensors allocated from it and frees all of it at {@link #close()}.
 *
 * <p>Built on a shared {@link Arena}: tensors may be read and written from any thread (a backend's
 * worker threads included) while the scope is open. After {@code close()} every tensor of the scope
 * fails with {@link IllegalStateException} on use; no access can reach freed memory. Closing while
 * another thread is inside a kernel on one of its tensors fails with {@code IllegalStateException} and
 * leaves the memory alive.
 *
 * <p>Thread-safe. Allocation is zero-filled and 64-byte aligned.
 *
 * <p>Stability: stable since 0.1.
 */
public final class TensorScope implements TensorAllocator, AutoCloseable {
  /** Alignment of every allocation: a cache line, and the widest SIMD load. */
  public static final long ALIGNMENT = 64;

  private final Arena arena;

  private TensorScope(Arena arena) {
    this.arena = arena;
  }

  /** Opens a new scope. */
  public static TensorScope open() {
    return new TensorScope(Arena.ofShared());
  }

  /** A zero-filled tensor of the given shape. */
  @Override
  public Tensor allocate(Shape shape) {
    checkOpen();
    MemorySegment segment = arena.allocate(Math.max(1, shape.size()) * Float.BYTES, ALIGNMENT);
    return Tensor.dense(this, segment, shape);
  }

  /** A zero-filled tensor with the given dimensions. */
  @Override
  public Tensor allocate(int... dims) {
    return allocate(Shape.of(dims));
  }

  /**
   * A tensor over memory this scope does not own (for example a memory-mapped weight file), densely
   * laid out in row-major order. The tensor is usable while both this scope and the segment's own
   * scope are alive; the segment's owner frees it.
   *
   * @throws IllegalArgumentException if the segment is too small for {@code shape} or is not 4-byte aligned
   */
  public Tensor wrap(MemorySegment segment, Shape shape) {
    checkOpen();
    if (segment.byteSize() < shape.size() * Float.BYTES) {
      throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for a float32 tensor of shape "
          + shape + " (" + shape.size() * Float.BYTES + " bytes)");
    }
    if (!segment.isNative() && segment.heapBase().isPresent() && !(segment.heapBase().get() instanceof float[])) {
      throw new IllegalArgumentException("heap segments must be backed by float[]; got " + segment.heapBase().get().getClass().getSimpleName());
    }
    if (segment.address() % ValueLayout.JAVA_FLOAT.byteAlignment() != 0) {
      throw new IllegalArgumentException("segment address " + segment.address() + " is not 4-byte aligned");
    }
    return Tensor.dense(this, segment, shape);
  }

  /** Whether the scope is still open. */
  public boolean isOpen() {
    return arena.scope().isAlive();
  }

  void checkOpen() {
    if (!isOpen()) {
      throw new IllegalStateException("TensorScope is closed");
    }
  }

  /**
   * Frees every tensor allocated from this scope. Idempotent.
   *
   * @throws IllegalStateException if a kernel on another thread is still using one of its tensors
   */
  @Override
  public void close() {
    if (isOpen()) {
      arena.close();
    }
  }
}
