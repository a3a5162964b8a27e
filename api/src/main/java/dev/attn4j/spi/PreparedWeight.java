package dev.attn4j.spi;

/**
 * A linear layer's weight in the form one backend multiplies fastest (for example packed into its GEMM's panel
 * layout), made once by {@link Backend#prepareWeight} and passed back to that backend's
 * {@link Backend#linear(Tensor, Tensor, PreparedWeight, Tensor, Activation, Tensor)}. A backend defines its own
 * implementation; callers only hold it.
 *
 * <p>Implementations are immutable and thread-safe, and must not reference the backend or the source tensor
 * (callers cache them in maps weakly keyed by both).
 *
 * <p>Stability: stable since 0.2.
 */
public interface PreparedWeight {
  /** Bytes of memory the prepared copy holds, for accounting. */
  long bytes();
}
