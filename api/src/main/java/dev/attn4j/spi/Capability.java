package dev.attn4j.spi;

/**
 * Optional accelerations a {@link Backend} may implement natively. Every capability names a
 * {@code Backend} method that has a correct default; a capability only says that the backend overrides
 * it with something faster (typically fused, saving a pass over memory). Callers may use it to choose a
 * strategy; they never need it for correctness.
 *
 * <p>New constants may be added in later versions; existing backends keep working unchanged.
 *
 * <p>Stability: stable since 0.1.
 */
public enum Capability {
  /** {@link Backend#linear} fuses bias and activation into the matrix multiply. */
  FUSED_LINEAR,
  /** {@link Backend#addLayerNorm} fuses the residual add into layer normalization. */
  FUSED_ADD_LAYER_NORM,
  /** {@link Backend#scaledDotProductAttention} is a fused kernel rather than GEMM + softmax + GEMM. */
  FUSED_ATTENTION,
  /** {@link Backend#softmax}, {@link Backend#layerNorm} and {@link Backend#activate} are vectorized. */
  VECTORIZED_ELEMENTWISE
}
