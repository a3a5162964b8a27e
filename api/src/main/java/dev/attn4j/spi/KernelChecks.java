package dev.attn4j.spi;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;

/**
 * The argument checks of every {@link Backend} kernel, in one place. A backend that overrides a kernel calls
 * the matching check first, so every backend rejects the same inputs with the same messages, and no
 * native code ever sees an inconsistent shape. Stateless and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public final class KernelChecks {
  private KernelChecks() {}

  /** {@code x[..., n] += bias[n]}. */
  public static void addBias(Tensor x, Tensor bias) {
    rowOperand("addBias", x);
    vector("addBias", "bias", bias, x.dim(-1));
    writable("addBias", x);
  }

  /** {@code x += y}, same shapes. */
  public static void add(Tensor x, Tensor y) {
    alive("add", x, y);
    if (!x.shape().equals(y.shape())) {
      throw new IllegalArgumentException("add: shapes differ: " + x.shape() + " vs " + y.shape());
    }
    writable("add", x);
  }

  /** In-place activation. */
  public static void activate(Tensor x, Activation activation) {
    alive("activate", x);
    if (activation == null) {
      throw new NullPointerException("activate: activation is null");
    }
    writable("activate", x);
  }

  /** In-place softmax over the last axis of {@code softmax(scale * x + mask)}. */
  public static void softmax(Tensor x, float scale, Tensor mask) {
    rowOperand("softmax", x);
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("softmax: scale must be finite, got " + scale);
    }
    if (mask != null) {
      mask.checkAlive();
      broadcastable("softmax", "mask", mask, x.shape());
    }
    writable("softmax", x);
  }

  /** In-place layer normalization over the last axis. */
  public static void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    rowOperand("layerNorm", x);
    vector("layerNorm", "gamma", gamma, x.dim(-1));
    vector("layerNorm", "beta", beta, x.dim(-1));
    if (!(eps > 0) || !Float.isFinite(eps)) {
      throw new IllegalArgumentException("layerNorm: eps must be positive and finite, got " + eps);
    }
    writable("layerNorm", x);
  }

  /** {@code x = layerNorm(x + residual)}. */
  public static void addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
    add(x, residual);
    layerNorm(x, gamma, beta, eps);
  }

  /** {@code out[..., o] = act(x[..., i] * weight[o, i]^T + bias[o])}. */
  public static void linear(Tensor x, Tensor weight, Tensor bias, Activation activation, Tensor out) {
    alive("linear", x, weight, out);
    if (x.rank() < 2 || weight.rank() != 2 || out.rank() != x.rank()) {
      throw new IllegalArgumentException("linear: expected x [..., in], weight [out, in], out [..., out]; got x " + x.shape()
          + ", weight " + weight.shape() + ", out " + out.shape());
    }
    Shape expected = x.shape().sub(0, x.rank() - 1).concat(Shape.of(weight.dim(0)));
    if (x.dim(-1) != weight.dim(1) || !out.shape().equals(expected)) {
      throw new IllegalArgumentException("linear: x " + x.shape() + " with weight " + weight.shape() + " gives " + expected
          + ", but out is " + out.shape());
    }
    if (bias != null) {
      vector("linear", "bias", bias, weight.dim(0));
    }
    activate(out, activation);
  }

  /** Scaled dot-product attention; see {@link Backend#scaledDotProductAttention}. */
  public static void attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    alive("attention", q, k, v, out);
    if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank() || out.rank() != q.rank()) {
      throw new IllegalArgumentException("attention: q, k, v, out need equal ranks >= 2; got q " + q.shape() + ", k " + k.shape()
          + ", v " + v.shape() + ", out " + out.shape());
    }
    int r = q.rank();
    Shape batch = q.shape().sub(0, r - 2);
    int sq = q.dim(-2);
    int sk = k.dim(-2);
    if (!k.shape().sub(0, r - 2).equals(batch) || !v.shape().sub(0, r - 2).equals(batch) || k.dim(-1) != q.dim(-1)
        || v.dim(-2) != sk || !out.shape().equals(batch.concat(Shape.of(sq, v.dim(-1))))) {
      throw new IllegalArgumentException("attention: expected q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv], out [..., Sq, Dv]; got q "
          + q.shape() + ", k " + k.shape() + ", v " + v.shape() + ", out " + out.shape());
    }
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("attention: scale must be finite, got " + scale);
    }
    Shape scores = batch.concat(Shape.of(sq, sk));
    if (mask != null) {
      mask.checkAlive();
      broadcastable("attention", "mask", mask, scores);
    }
    if (probs != null) {
      probs.checkAlive();
      if (!probs.shape().equals(scores)) {
        throw new IllegalArgumentException("attention: probabilities must have shape " + scores + ", got " + probs.shape());
      }
      writable("attention probabilities", probs);
    }
    writable("attention output", out);
  }

  /** Fails unless no axis of size > 1 has stride 0 (a broadcast view cannot be written). */
  public static void writable(String what, Tensor t) {
    for (int i = 0; i < t.rank(); i++) {
      if (t.dim(i) > 1 && t.stride(i) == 0) {
        throw new IllegalArgumentException(what + ": cannot write through a broadcast view " + t.describe());
      }
    }
  }

  /** Fails if {@code out}'s memory overlaps {@code in}'s. */
  public static void disjoint(String op, Tensor out, String outName, Tensor in, String inName) {
    if (out.size() == 0 || in.size() == 0) {
      return;
    }
    if (out.segment().asOverlappingSlice(in.segment()).isPresent()) {
      throw new IllegalArgumentException(op + ": output " + outName + " " + out.describe() + " overlaps input " + inName + " " + in.describe());
    }
  }

  private static void rowOperand(String op, Tensor x) {
    alive(op, x);
    if (x.rank() < 1) {
      throw new IllegalArgumentException(op + ": needs rank >= 1, got a scalar");
    }
  }

  private static void vector(String op, String name, Tensor v, int n) {
    if (v == null) {
      throw new NullPointerException(op + ": " + name + " is null");
    }
    v.checkAlive();
    if (v.rank() != 1 || v.dim(0) != n) {
      throw new IllegalArgumentException(op + ": " + name + " must have shape [" + n + "], got " + v.shape());
    }
  }

  private static void broadcastable(String op, String name, Tensor t, Shape target) {
    try {
      t.expand(target);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " does not broadcast to " + target);
    }
  }

  private static void alive(String op, Tensor... ts) {
    for (Tensor t : ts) {
      if (t == null) {
        throw new NullPointerException(op + ": a required tensor is null");
      }
      t.checkAlive();
    }
  }
}
