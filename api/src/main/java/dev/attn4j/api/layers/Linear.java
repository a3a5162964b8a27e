package dev.attn4j.api.layers;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorAllocator;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.util.Objects;

/**
 * The weights of a fully connected layer in Hugging Face's convention, {@code y = x W^T + b}: {@code weight}
 * is {@code [out, in]}, {@code bias} is {@code [out]} or null. Immutable; the tensors belong to whoever
 * allocated them and must outlive this value, and the weight must not change once used: on its first forward on a
 * backend, the backend may keep a prepared copy of it ({@link Backend#prepareWeight}, e.g. packed for its GEMM), reused
 * by every later forward on that backend and owned by {@link PreparedWeights}, which says when copies are freed.
 * Thread-safe for concurrent forwards.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param weight {@code [out, in]}
 * @param bias {@code [out]}, or null for no bias
 */
public record Linear(Tensor weight, Tensor bias) {
  public Linear {
    Objects.requireNonNull(weight, "weight");
    if (weight.rank() != 2) {
      throw new IllegalArgumentException("linear weight must be [out, in], got " + weight.shape());
    }
    if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
      throw new IllegalArgumentException("linear bias must be [" + weight.dim(0) + "], got " + bias.shape());
    }
  }

  /** Output features. */
  public int outFeatures() {
    return weight.dim(0);
  }

  /** Input features. */
  public int inFeatures() {
    return weight.dim(1);
  }

  /** {@code act(x W^T + b)} for {@code x [..., in]}, allocated from {@code scope} (a {@link TensorScope} or a workspace). */
  public Tensor forward(Backend backend, TensorAllocator scope, Tensor x, Activation activation) {
    if (x.rank() < 1 || x.dim(-1) != inFeatures()) {
      throw new IllegalArgumentException("linear layer [" + outFeatures() + ", " + inFeatures() + "] cannot take input " + x.shape());
    }
    Tensor in = x.rank() == 1 ? x.reshape(1, x.dim(0)) : x;
    Tensor out = scope.allocate(in.shape().sub(0, in.rank() - 1).concat(Shape.of(outFeatures())));
    forward(backend, in, activation, out);
    return x.rank() == 1 ? out.reshape(outFeatures()) : out;
  }

  /** {@code out = act(x W^T + b)} into a given {@code out [..., out]}, with the backend's prepared weight. */
  public void forward(Backend backend, Tensor x, Activation activation, Tensor out) {
    backend.linear(x, weight, PreparedWeights.of(backend, weight), bias, activation, out);
  }
}
