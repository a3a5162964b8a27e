package dev.attn4j.models;

import dev.attn4j.api.tensor.Tensor;
import java.util.List;

/**
 * What a BERT forward pass returns; every tensor lives in the scope the caller passed. Immutable holder.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param lastHiddenState {@code [batch, seq, hidden]}
 * @param pooled {@code [batch, hidden]} ({@code tanh} dense on {@code [CLS]}), or null when the checkpoint has no pooler
 * @param hiddenStates embeddings output then each layer's output ({@code layers + 1} tensors), or null when not asked for
 * @param attentions per layer {@code [batch, heads, seq, seq]} probabilities, or null when not asked for
 */
public record BertOutput(Tensor lastHiddenState, Tensor pooled, List<Tensor> hiddenStates, List<Tensor> attentions) {}
