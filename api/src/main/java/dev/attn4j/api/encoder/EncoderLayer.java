package dev.attn4j.api.encoder;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.attention.AttentionOutput;
import dev.attn4j.api.attention.MultiHeadAttention;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.util.Objects;

/**
 * One transformer encoder layer: self-attention and a feed-forward network ({@code intermediate},
 * activation, {@code output}), each with a residual connection and layer normalization placed as
 * {@link NormPlacement} says. With {@link NormPlacement#POST} and GELU this is exactly a BERT layer.
 *
 * <p>Immutable and thread-safe. Intermediates are freed before {@code forward} returns; results are
 * allocated in the caller's scope.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param attention self-attention with its projections
 * @param attentionNorm the normalization around the attention block
 * @param intermediate {@code [ffn, hidden]}
 * @param output {@code [hidden, ffn]}
 * @param outputNorm the normalization around the feed-forward block
 * @param activation the feed-forward activation
 * @param placement post-LN (BERT) or pre-LN
 */
public record EncoderLayer(MultiHeadAttention attention, LayerNorm attentionNorm, Linear intermediate, Linear output,
    LayerNorm outputNorm, Activation activation, NormPlacement placement) {

  public EncoderLayer {
    Objects.requireNonNull(attention, "attention");
    Objects.requireNonNull(attentionNorm, "attentionNorm");
    Objects.requireNonNull(intermediate, "intermediate");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(outputNorm, "outputNorm");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(placement, "placement");
    int h = attention.hiddenSize();
    if (attentionNorm.size() != h || outputNorm.size() != h) {
      throw new IllegalArgumentException("layer norms must have size " + h + ", got " + attentionNorm.size() + " and " + outputNorm.size());
    }
    if (intermediate.inFeatures() != h || output.outFeatures() != h || output.inFeatures() != intermediate.outFeatures()) {
      throw new IllegalArgumentException("feed-forward weights " + intermediate.weight().shape() + " and " + output.weight().shape()
          + " do not fit hidden size " + h);
    }
  }

  /** Width of the layer. */
  public int hiddenSize() {
    return attention.hiddenSize();
  }

  /** {@code x [batch, seq, hidden]} through the layer; the result is allocated in {@code scope}. */
  public Tensor forward(Backend backend, TensorScope scope, Tensor x, AttentionMask mask) {
    return forward(backend, scope, x, mask, false).output();
  }

  /** As {@link #forward(Backend, TensorScope, Tensor, AttentionMask)}, optionally with attention probabilities. */
  public AttentionOutput forward(Backend backend, TensorScope scope, Tensor x, AttentionMask mask, boolean withProbabilities) {
    try (TensorScope tmp = TensorScope.open()) {
      return placement == NormPlacement.POST ? postNorm(backend, scope, tmp, x, mask, withProbabilities)
          : preNorm(backend, scope, tmp, x, mask, withProbabilities);
    }
  }

  private AttentionOutput postNorm(Backend backend, TensorScope scope, TensorScope tmp, Tensor x, AttentionMask mask, boolean probs) {
    AttentionOutput att = attention.forward(backend, withProbsIn(scope, tmp, probs), x, x, mask, probs);
    Tensor a = att.output();
    backend.addLayerNorm(a, x, attentionNorm.gamma(), attentionNorm.beta(), attentionNorm.eps());
    Tensor h = intermediate.forward(backend, tmp, a, activation);
    Tensor out = output.forward(backend, scope, h, Activation.IDENTITY);
    backend.addLayerNorm(out, a, outputNorm.gamma(), outputNorm.beta(), outputNorm.eps());
    return new AttentionOutput(out, att.probabilities());
  }

  private AttentionOutput preNorm(Backend backend, TensorScope scope, TensorScope tmp, Tensor x, AttentionMask mask, boolean probs) {
    Tensor n1 = tmp.copyOf(x);
    backend.layerNorm(n1, attentionNorm.gamma(), attentionNorm.beta(), attentionNorm.eps());
    AttentionOutput att = attention.forward(backend, withProbsIn(scope, tmp, probs), n1, n1, mask, probs);
    Tensor a = att.output();
    backend.add(a, x);
    Tensor n2 = tmp.copyOf(a);
    backend.layerNorm(n2, outputNorm.gamma(), outputNorm.beta(), outputNorm.eps());
    Tensor h = intermediate.forward(backend, tmp, n2, activation);
    Tensor out = output.forward(backend, scope, h, Activation.IDENTITY);
    backend.add(out, a);
    return new AttentionOutput(out, att.probabilities());
  }

  /**
   * The attention output is an intermediate, but its probabilities must outlive this call: when they are
   * wanted, both go to the caller's scope (the output is small next to them).
   */
  private static TensorScope withProbsIn(TensorScope scope, TensorScope tmp, boolean probs) {
    return probs ? scope : tmp;
  }
}
