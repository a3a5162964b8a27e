package dev.attn4j.spi;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.internal.reference.ReferenceKernels;
import java.util.Set;

/**
 * The compute kernels of one backend instance. Only {@link #gemm} is abstract: every other kernel has a
 * correct, portable default (scalar, or composed from {@code gemm}), so a backend that supplies GEMM alone
 * is complete. A backend overrides what it can do faster and announces fused implementations through
 * {@link #capabilities()}. New kernels are added to this interface as default methods, so existing
 * third-party backends keep compiling and working.
 *
 * <p>Contract for every kernel:
 * <ul>
 *   <li>arguments are checked with {@link KernelChecks} (or {@link GemmProblem}) before any memory is
 *       touched; a violation is an {@link IllegalArgumentException}, a closed tensor an
 *       {@link IllegalStateException};
 *   <li>tensors may be arbitrary strided views; outputs must not be broadcast views;
 *   <li>"in place" kernels overwrite their first argument.
 * </ul>
 *
 * <p>Implementations must be safe for concurrent calls from several threads on disjoint outputs. The
 * caller owns the backend and must {@link #close()} it, which releases its threads and native resources;
 * calling {@code gemm} or any kernel the backend implements itself after {@code close()} is an
 * {@link IllegalStateException} (the conformance suite checks it; this interface's defaults hold no state).
 *
 * <p>Stability: stable since 0.1 (new default methods may be added).
 */
public interface Backend extends AutoCloseable {
  /** The provider's name, e.g. {@code "java"}. */
  String name();

  /** One line describing this instance (library, version, ISA, threads). */
  default String description() {
    return name();
  }

  /** Number of compute threads this instance uses. */
  int threads();

  /** Kernels this backend accelerates beyond the defaults. */
  default Set<Capability> capabilities() {
    return Set.of();
  }

  /**
   * Batched, strided GEMM: {@code C = alpha * op(A) * op(B) + beta * C}; see {@link GemmProblem} for the
   * shape and broadcast rules. When {@code beta == 0}, {@code C} is not read (it may hold NaN).
   */
  void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c);

  /** In place: {@code x[..., n] += bias[n]}. */
  default void addBias(Tensor x, Tensor bias) {
    KernelChecks.addBias(x, bias);
    ReferenceKernels.addBias(x, bias);
  }

  /** In place: {@code x += y} (same shapes), e.g. a residual connection. */
  default void add(Tensor x, Tensor y) {
    KernelChecks.add(x, y);
    ReferenceKernels.add(x, y);
  }

  /** In place: {@code x = activation(x)} element-wise. */
  default void activate(Tensor x, Activation activation) {
    KernelChecks.activate(x, activation);
    ReferenceKernels.activate(x, activation);
  }

  /**
   * In place, over the last axis: {@code x = softmax(scale * x + mask)}. {@code mask} is additive
   * ({@code 0} keeps, {@code -inf} removes), broadcastable to {@code x}, or null. A row in which every
   * entry is {@code -inf} becomes all zeros rather than NaN.
   */
  default void softmax(Tensor x, float scale, Tensor mask) {
    KernelChecks.softmax(x, scale, mask);
    ReferenceKernels.softmax(x, scale, mask);
  }

  /** In place, over the last axis: {@code x = (x - mean) / sqrt(var + eps) * gamma + beta} (biased variance). */
  default void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    KernelChecks.layerNorm(x, gamma, beta, eps);
    ReferenceKernels.layerNorm(x, gamma, beta, eps);
  }

  /** In place: {@code x = layerNorm(x + residual)}. Fused when {@link Capability#FUSED_ADD_LAYER_NORM}. */
  default void addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
    KernelChecks.addLayerNorm(x, residual, gamma, beta, eps);
    add(x, residual);
    layerNorm(x, gamma, beta, eps);
  }

  /**
   * A fully connected layer in Hugging Face's weight convention: {@code out = act(x * weight^T + bias)},
   * {@code x [..., in]}, {@code weight [out, in]}, {@code bias [out]} or null, {@code out [..., out]}.
   * Fused when {@link Capability#FUSED_LINEAR}.
   */
  default void linear(Tensor x, Tensor weight, Tensor bias, Activation activation, Tensor out) {
    KernelChecks.linear(x, weight, bias, activation, out);
    gemm(1f, x, Transpose.NONE, weight, Transpose.TRANSPOSE, 0f, out);
    if (bias != null) {
      addBias(out, bias);
    }
    activate(out, activation);
  }

  /**
   * Prepares a layer weight {@code [out, in]} for many {@link #linear(Tensor, Tensor, PreparedWeight, Tensor, Activation,
   * Tensor)} calls, or returns null when this backend has nothing to prepare (the default). The prepared copy does not
   * see later writes to {@code weight}: callers prepare only weights that no longer change (a loaded model's).
   */
  default PreparedWeight prepareWeight(Tensor weight) {
    if (weight.rank() != 2) {
      throw new IllegalArgumentException("prepareWeight: weight must be [out, in], got " + weight.shape());
    }
    weight.checkAlive();
    return null;
  }

  /**
   * {@link #linear(Tensor, Tensor, Tensor, Activation, Tensor)} with {@code prepared}, this backend's
   * {@link #prepareWeight} of {@code weight} (or null). The default ignores {@code prepared}.
   */
  default void linear(Tensor x, Tensor weight, PreparedWeight prepared, Tensor bias, Activation activation, Tensor out) {
    linear(x, weight, bias, activation, out);
  }

  /**
   * Scaled dot-product attention over the batch axes {@code [...]}:
   * {@code P = softmax(scale * Q K^T + mask)}, {@code out = P V}, with {@code q [..., Sq, D]},
   * {@code k [..., Sk, D]}, {@code v [..., Sk, Dv]}, {@code out [..., Sq, Dv]}. {@code Sq} and {@code Sk} may
   * differ (cross-attention). {@code mask} is additive and broadcastable to {@code [..., Sq, Sk]}, or null.
   * When {@code probs} is not null it receives {@code P} ({@code [..., Sq, Sk]}). A query row whose keys are
   * all masked gets zero probabilities and a zero output.
   *
   * <p>The default is GEMM, softmax, GEMM, with a temporary scores buffer when {@code probs} is null.
   */
  default void scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    KernelChecks.attention(q, k, v, mask, scale, out, probs);
    if (probs != null) {
      composedAttention(q, k, v, mask, scale, out, probs);
      return;
    }
    // A scope costs tens of microseconds to open and close; only pay for it when a buffer is needed.
    try (TensorScope tmp = TensorScope.open()) {
      composedAttention(q, k, v, mask, scale, out, tmp.allocate(q.shape().sub(0, q.rank() - 1).concat(Shape.of(k.dim(-2)))));
    }
  }

  private void composedAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor scores) {
    gemm(1f, q, Transpose.NONE, k, Transpose.TRANSPOSE, 0f, scores);
    softmax(scores, scale, mask);
    gemm(1f, scores, Transpose.NONE, v, Transpose.NONE, 0f, out);
  }

  /** Releases threads and native resources. Idempotent. */
  @Override
  void close();
}
