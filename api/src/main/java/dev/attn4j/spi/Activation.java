package dev.attn4j.spi;

/**
 * Element-wise activation functions of feed-forward layers.
 *
 * <p>Stability: stable since 0.1.
 */
public enum Activation {
  /** {@code x}: no activation. */
  IDENTITY,
  /** {@code max(0, x)}. */
  RELU,
  /** Exact GELU, {@code x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))} (BERT's {@code gelu}). */
  GELU,
  /** The tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} ({@code gelu_new}). */
  GELU_TANH
}
