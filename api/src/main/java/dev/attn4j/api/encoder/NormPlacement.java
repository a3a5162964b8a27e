package dev.attn4j.api.encoder;

/**
 * Where an encoder layer normalizes.
 *
 * <p>Stability: stable since 0.1.
 */
public enum NormPlacement {
  /** After each residual add, {@code x = LN(x + f(x))}: BERT, RoBERTa, MiniLM. */
  POST,
  /** Before each sub-layer, {@code x = x + f(LN(x))}: GPT-2 and most newer encoders. */
  PRE
}
