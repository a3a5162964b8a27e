package dev.attn4j.models.heads;

/**
 * How a sentence embedding is pooled from the last hidden state (sentence-transformers semantics).
 *
 * <p>Stability: stable since 0.1 ({@code MEAN_SQRT_LEN}, {@code WEIGHTED_MEAN} and {@code LAST_TOKEN} since 0.3).
 */
public enum Pooling {
  /** Average of the real (unmasked) tokens, {@code [CLS]} and {@code [SEP]} included. */
  MEAN,
  /** The {@code [CLS]} token's hidden state. */
  CLS,
  /** Per dimension, the largest value over the real (unmasked) tokens. */
  MAX,
  /** The sum over the real tokens divided by the square root of their count ({@code pooling_mode_mean_sqrt_len_tokens}). */
  MEAN_SQRT_LEN,
  /**
   * The real tokens' average weighted by position, the first token with weight 1, the next 2, and so on
   * ({@code pooling_mode_weightedmean_tokens}, as SGPT uses).
   */
  WEIGHTED_MEAN,
  /** The last real token's hidden state ({@code pooling_mode_lasttoken}). */
  LAST_TOKEN
}
