package dev.attn4j.conformance;

/**
 * How a backend computes, which decides the {@link Tolerances} it is held to. Immutable.
 *
 * <p>Stability: stable since 0.1.
 */
public enum PrecisionClass {
  /** Everything in float32 (accumulation order free). The default. */
  F32,
  /**
   * Matrix products may round their operands to bfloat16 (8 significant bits) and accumulate in float32;
   * everything else (softmax, layer norm, activations, additions) stays float32.
   */
  BF16
}
