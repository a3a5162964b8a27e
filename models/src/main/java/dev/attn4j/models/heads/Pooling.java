package dev.attn4j.models.heads;

/**
 * How a sentence embedding is pooled from the last hidden state (sentence-transformers semantics).
 *
 * <p>Stability: stable since 0.1.
 */
public enum Pooling {
  /** Average of the real (unmasked) tokens, {@code [CLS]} and {@code [SEP]} included. */
  MEAN,
  /** The {@code [CLS]} token's hidden state. */
  CLS,
  /** Per dimension, the largest value over the real (unmasked) tokens. */
  MAX
}
