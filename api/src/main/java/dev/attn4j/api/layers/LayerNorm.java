package dev.attn4j.api.layers;

import dev.attn4j.api.tensor.Tensor;
import java.util.Objects;

/**
 * Layer normalization parameters over the last axis: {@code gamma} and {@code beta} of shape {@code [n]}, and
 * {@code eps}. Immutable; the tensors must outlive this value. Thread-safe.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param gamma scale, {@code [n]}
 * @param beta shift, {@code [n]}
 * @param eps added to the variance, {@code > 0}
 */
public record LayerNorm(Tensor gamma, Tensor beta, float eps) {
  public LayerNorm {
    Objects.requireNonNull(gamma, "gamma");
    Objects.requireNonNull(beta, "beta");
    if (gamma.rank() != 1 || !gamma.shape().equals(beta.shape())) {
      throw new IllegalArgumentException("layer norm gamma and beta must both be [n], got " + gamma.shape() + " and " + beta.shape());
    }
    if (!(eps > 0) || !Float.isFinite(eps)) {
      throw new IllegalArgumentException("layer norm eps must be positive and finite, got " + eps);
    }
  }

  /** Normalized width. */
  public int size() {
    return gamma.dim(0);
  }
}
