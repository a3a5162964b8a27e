package dev.attn4j.api.encoder;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.attention.AttentionOutput;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorAllocator;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.api.tensor.Workspace;
import dev.attn4j.spi.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of {@link EncoderLayer}s with an optional final layer normalization (pre-LN models need one).
 *
 * <p>Immutable and thread-safe. Each layer's intermediates are freed as soon as the next layer has consumed
 * them; only what {@link EncoderOutput} returns is allocated in the caller's scope.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param layers the layers, input first; at least one
 * @param finalNorm applied to the last layer's output, or null
 */
public record Encoder(List<EncoderLayer> layers, LayerNorm finalNorm) {
  public Encoder {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("an encoder needs at least one layer");
    }
    int h = layers.get(0).hiddenSize();
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).hiddenSize() != h) {
        throw new IllegalArgumentException("hidden size " + layers.get(i).hiddenSize() + " != " + h + " in encoder layer " + i);
      }
    }
    if (finalNorm != null && finalNorm.size() != h) {
      throw new IllegalArgumentException("final layer norm size " + finalNorm.size() + " != hidden size " + h);
    }
  }

  /**
   * Runs {@code x [batch, seq, hidden]} through every layer.
   *
   * @param hiddenStates also return every layer's output (index 0 is the input, as in Hugging Face)
   * @param attentions also return every layer's attention probabilities
   */
  public EncoderOutput forward(Backend backend, TensorScope scope, Tensor x, AttentionMask mask, boolean hiddenStates, boolean attentions) {
    List<Tensor> states = hiddenStates ? new ArrayList<>(List.of(x)) : null;
    List<Tensor> probs = attentions ? new ArrayList<>() : null;
    Tensor current = x;
    // Intermediates come from one scratch workspace; layer outputs that are not returned alternate between two more
    // (the output of layer i - 2 is dead once layer i runs). Three arena closes per forward instead of several per layer.
    try (Workspace scratch = Workspace.open(); Workspace even = Workspace.open(); Workspace odd = Workspace.open()) {
      for (int i = 0; i < layers.size(); i++) {
        boolean keep = i == layers.size() - 1 || hiddenStates || attentions;
        TensorAllocator target = scope;
        if (!keep) {
          Workspace w = i % 2 == 0 ? even : odd;
          w.reset();
          target = w;
        }
        AttentionOutput out = layers.get(i).forward(backend, target, scratch, current, mask, attentions);
        current = out.output();
        if (states != null) {
          states.add(current);
        }
        if (probs != null) {
          probs.add(out.probabilities());
        }
      }
    }
    if (finalNorm != null) {
      backend.layerNorm(current, finalNorm.gamma(), finalNorm.beta(), finalNorm.eps());
    }
    return new EncoderOutput(current, states, probs);
  }

  /** Runs {@code x} through every layer and returns the last hidden state. */
  public Tensor forward(Backend backend, TensorScope scope, Tensor x, AttentionMask mask) {
    return forward(backend, scope, x, mask, false, false).lastHiddenState();
  }
}
