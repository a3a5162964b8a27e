package dev.attn4j.api.attention;

import dev.attn4j.api.tensor.Tensor;

/**
 * The result of an attention layer: the output and, when asked for, the attention probabilities. Both
 * tensors live in the scope the caller passed to the layer. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param output {@code [batch, queries, hidden]}
 * @param probabilities {@code [batch, heads, queries, keys]}, or null when not requested
 */
public record AttentionOutput(Tensor output, Tensor probabilities) {}
