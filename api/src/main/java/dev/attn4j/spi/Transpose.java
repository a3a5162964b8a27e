package dev.attn4j.spi;

/**
 * Whether a GEMM operand is used as stored or transposed (its last two axes swapped).
 *
 * <p>Stability: stable since 0.1.
 */
public enum Transpose {
  /** Use the operand as stored. */
  NONE,
  /** Use the operand with its last two axes swapped. */
  TRANSPOSE
}
