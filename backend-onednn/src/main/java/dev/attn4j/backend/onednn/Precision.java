package dev.attn4j.backend.onednn;

import java.util.Locale;

/**
 * The arithmetic the oneDNN backend's matrix products use. Selected with the backend option
 * {@value OneDnnBackend#PRECISION_PROPERTY}.
 *
 * <p>Stability: stable since 0.1.
 */
public enum Precision {
  /** float32 inputs, products and accumulation: the default, bit-for-bit repeatable for a fixed thread count. */
  F32,
  /**
   * Matrix products take bfloat16 copies of their operands (a layer's weight converted once, activations per call)
   * and accumulate in float32; everything else stays float32. Needs a CPU with AVX512-BF16 or AMX; each input
   * carries 8 significant bits, so a product's error is about {@code 2^-8 |A||B|}.
   */
  BF16;

  /** Parses {@code f32} or {@code bf16} (any case). */
  public static Precision parse(String s) {
    return switch (s.strip().toLowerCase(Locale.ROOT)) {
      case "f32", "fp32", "float32" -> F32;
      case "bf16", "bfloat16" -> BF16;
      default -> throw new IllegalArgumentException("unknown oneDNN precision '" + s + "' (expected f32 or bf16)");
    };
  }
}
