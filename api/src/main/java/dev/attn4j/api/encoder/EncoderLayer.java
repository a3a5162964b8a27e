package dev.attn4j.api.encoder;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.attention.AttentionOutput;
import dev.attn4j.api.attention.MultiHeadAttention;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorAllocator;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.api.tensor.Workspace;
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
    try (Workspace scratch = Workspace.open()) {
      return forward(backend, scope, scratch, x, mask, withProbabilities);
    }
  }

  /**
   * As {@link #forward(Backend, TensorScope, Tensor, AttentionMask, boolean)}, with the intermediates taken from
   * {@code scratch} and given back before returning; the results come from {@code out}, which may be {@code scratch}
   * itself only when no probabilities are asked for (the output is taken before the intermediates).
   */
  public AttentionOutput forward(Backend backend, TensorAllocator out, Workspace scratch, Tensor x, AttentionMask mask,
      boolean withProbabilities) {
    if (out == scratch && withProbabilities) {
      throw new IllegalArgumentException("attention probabilities cannot be allocated from the scratch workspace");
    }
    if (x.rank() != 3 || x.dim(2) != hiddenSize()) {
      throw new IllegalArgumentException("encoder layer input must be [batch, seq, " + hiddenSize() + "], got " + x.shape());
    }
    // The result is taken before the frame opens, so that giving back the intermediates never gives it back too.
    Tensor result = out.allocate(x.shape());
    try (Workspace.Frame frame = scratch.frame()) {
      return placement == NormPlacement.POST ? postNorm(backend, out, scratch, x, mask, withProbabilities, result)
          : preNorm(backend, out, scratch, x, mask, withProbabilities, result);
    }
  }

  private AttentionOutput postNorm(Backend backend, TensorAllocator out, Workspace scratch, Tensor x, AttentionMask mask, boolean probs,
      Tensor result) {
    AttentionOutput att = attention.forward(backend, probs ? out : scratch, scratch, x, x, mask, probs);
    Tensor a = att.output();
    backend.addLayerNorm(a, x, attentionNorm.gamma(), attentionNorm.beta(), attentionNorm.eps());
    Tensor h = intermediate.forward(backend, scratch, a, activation);
    output.forward(backend, h, Activation.IDENTITY, result);
    backend.addLayerNorm(result, a, outputNorm.gamma(), outputNorm.beta(), outputNorm.eps());
    return new AttentionOutput(result, att.probabilities());
  }

  private AttentionOutput preNorm(Backend backend, TensorAllocator out, Workspace scratch, Tensor x, AttentionMask mask, boolean probs,
      Tensor result) {
    Tensor n1 = scratch.copyOf(x);
    backend.layerNorm(n1, attentionNorm.gamma(), attentionNorm.beta(), attentionNorm.eps());
    AttentionOutput att = attention.forward(backend, probs ? out : scratch, scratch, n1, n1, mask, probs);
    Tensor a = att.output();
    backend.add(a, x);
    Tensor n2 = scratch.copyOf(a);
    backend.layerNorm(n2, outputNorm.gamma(), outputNorm.beta(), outputNorm.eps());
    Tensor h = intermediate.forward(backend, scratch, n2, activation);
    output.forward(backend, h, Activation.IDENTITY, result);
    backend.add(result, a);
    return new AttentionOutput(result, att.probabilities());
  }
}
