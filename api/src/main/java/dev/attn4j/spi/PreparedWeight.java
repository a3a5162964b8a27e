package dev.attn4j.spi;

/**
 * A linear layer's weight in the form one backend multiplies fastest (for example packed into its GEMM's panel
 * layout), made once by {@link Backend#prepareWeight} and passed back to that backend's
 * {@link Backend#linear(Tensor, Tensor, PreparedWeight, Tensor, Activation, Tensor)}. A backend defines its own
 * implementation; callers only hold it.
 *
 * <p>Ownership: whoever called {@code prepareWeight} owns the copy and closes it when the weight or the backend is
 * done with (a model's layers leave that to {@link dev.attn4j.api.layers.PreparedWeights}). A backend frees every copy
 * it made when it closes, and a copy that becomes unreachable unclosed is freed by the garbage collector; closing is
 * what makes the release prompt, which matters for copies held off the Java heap.
 *
 * <p>Implementations are immutable and thread-safe, and must not reference the backend or the source tensor
 * (callers cache them in maps weakly keyed by both).
 *
 * <p>Stability: stable since 0.2; {@link #close()} since 0.3.
 */
public interface PreparedWeight extends AutoCloseable {
  /** Bytes of memory the prepared copy holds, for accounting. */
  long bytes();

  /**
   * Frees the memory the copy holds beyond the Java heap; a no-op by default and on every call after the first. The
   * copy must not be in use by a call on another thread, and must not be passed to {@code linear} afterwards (a backend
   * may then throw {@link IllegalStateException}; it never reads freed memory).
   */
  @Override
  default void close() {}
}
