package dev.attn4j.api.encoder;

import dev.attn4j.api.tensor.Tensor;
import java.util.List;

/**
 * What an {@link Encoder} returns; every tensor lives in the scope passed to {@code forward}. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param lastHiddenState {@code [batch, seq, hidden]}
 * @param hiddenStates the input followed by each layer's output, or null when not requested
 * @param attentions each layer's probabilities {@code [batch, heads, seq, seq]}, or null when not requested
 */
public record EncoderOutput(Tensor lastHiddenState, List<Tensor> hiddenStates, List<Tensor> attentions) {
  public EncoderOutput {
    hiddenStates = hiddenStates == null ? null : List.copyOf(hiddenStates);
    attentions = attentions == null ? null : List.copyOf(attentions);
  }
}
