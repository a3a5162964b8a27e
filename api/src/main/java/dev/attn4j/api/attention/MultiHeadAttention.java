package dev.attn4j.api.attention;

import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorAllocator;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.api.tensor.Workspace;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.util.Objects;

/**
 * Multi-head attention with learned query, key, value and output projections, as in BERT: the hidden size
 * is split into {@code heads} heads of {@code hidden / heads} features; scores are scaled by
 * {@code 1 / sqrt(headSize)}. Projections are given separately or as one fused {@code [3*hidden, hidden]}
 * QKV matrix (rows: query, key, value).
 *
 * <p>All heads are computed by one batched GEMM per product over strided views: no per-head loop and no
 * copy to split or merge heads. Intermediates live in a scope of their own and are freed before
 * {@code forward} returns; the results are allocated in the caller's scope.
 *
 * <p>Immutable and thread-safe: concurrent forwards on the same instance are fine.
 *
 * <p>Stability: stable since 0.1.
 */
public final class MultiHeadAttention {
  private final int heads;
  private final int hidden;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear qkv;
  private final Linear output;

  private MultiHeadAttention(int heads, Linear query, Linear key, Linear value, Linear qkv, Linear output) {
    Objects.requireNonNull(output, "output");
    this.heads = heads;
    this.hidden = output.outFeatures();
    this.query = query;
    this.key = key;
    this.value = value;
    this.qkv = qkv;
    this.output = output;
    if (heads <= 0 || hidden % heads != 0) {
      throw new IllegalArgumentException("hidden size " + hidden + " is not divisible into " + heads + " heads");
    }
    if (output.inFeatures() != hidden) {
      throw new IllegalArgumentException("output projection " + output.weight().shape() + " must be [" + hidden + ", " + hidden + "]");
    }
  }

  /** With separate {@code [hidden, hidden]} query, key, value and output projections. */
  public static MultiHeadAttention of(int heads, Linear query, Linear key, Linear value, Linear output) {
    int h = output.outFeatures();
    for (Linear l : new Linear[] {query, key, value}) {
      if (l.outFeatures() != h || l.inFeatures() != h) {
        throw new IllegalArgumentException("projection " + l.weight().shape() + " must be [" + h + ", " + h + "]");
      }
    }
    return new MultiHeadAttention(heads, query, key, value, null, output);
  }

  /** With one fused {@code [3*hidden, hidden]} QKV projection (query rows first, then key, then value). */
  public static MultiHeadAttention fused(int heads, Linear qkv, Linear output) {
    int h = output.outFeatures();
    if (qkv.outFeatures() != 3 * h || qkv.inFeatures() != h) {
      throw new IllegalArgumentException("fused QKV projection " + qkv.weight().shape() + " must be [" + 3 * h + ", " + h + "]");
    }
    return new MultiHeadAttention(heads, null, null, null, qkv, output);
  }

  /** Number of heads. */
  public int heads() {
    return heads;
  }

  /** Model width. */
  public int hiddenSize() {
    return hidden;
  }

  /** Features per head. */
  public int headSize() {
    return hidden / heads;
  }

  /** Self-attention over {@code x [batch, seq, hidden]}; the result is allocated in {@code scope}. */
  public Tensor forward(Backend backend, TensorScope scope, Tensor x, AttentionMask mask) {
    return forward(backend, scope, x, x, mask, false).output();
  }

  /**
   * Attention of {@code queries [batch, Sq, hidden]} over {@code context [batch, Sk, hidden]} (pass the same
   * tensor twice for self-attention). With {@code withProbabilities}, also returns the attention
   * probabilities {@code [batch, heads, Sq, Sk]}.
   */
  public AttentionOutput forward(Backend backend, TensorScope scope, Tensor queries, Tensor context, AttentionMask mask,
      boolean withProbabilities) {
    try (Workspace scratch = Workspace.open()) {
      return forward(backend, scope, scratch, queries, context, mask, withProbabilities);
    }
  }

  /**
   * As {@link #forward(Backend, TensorScope, Tensor, Tensor, AttentionMask, boolean)}, with the intermediates
   * (projections, mask, context) taken from {@code scratch} and given back before returning. The results come from
   * {@code out}, which may be {@code scratch} itself: they are taken before the intermediates.
   */
  public AttentionOutput forward(Backend backend, TensorAllocator out, Workspace scratch, Tensor queries, Tensor context, AttentionMask mask,
      boolean withProbabilities) {
    checkInput("queries", queries);
    checkInput("context", context);
    if (queries.dim(0) != context.dim(0)) {
      throw new IllegalArgumentException("queries " + queries.shape() + " and context " + context.shape() + " differ in batch size");
    }
    int batch = queries.dim(0);
    int sq = queries.dim(1);
    int sk = context.dim(1);
    int hs = headSize();
    Tensor result = out.allocate(batch, sq, hidden);
    Tensor probs = withProbabilities ? out.allocate(batch, heads, sq, sk) : null;
    try (Workspace.Frame frame = scratch.frame()) {
      Tensor q;
      Tensor k;
      Tensor v;
      if (qkv != null && queries == context) {
        // One GEMM for all three projections; q, k and v are strided views of its result.
        Tensor all = qkv.forward(backend, scratch, queries, Activation.IDENTITY).reshape(batch, sq, 3, heads, hs);
        q = splitHeads(all.select(2, 0));
        k = splitHeads(all.select(2, 1));
        v = splitHeads(all.select(2, 2));
      } else {
        q = project(backend, scratch, queries, 0, query);
        k = project(backend, scratch, context, 1, key);
        v = project(backend, scratch, context, 2, value);
      }
      Tensor additive = mask == null ? null : mask.toAdditiveBroadcast(scratch, batch, heads, sq, sk);
      Tensor ctx = scratch.allocate(batch, sq, hidden);
      backend.scaledDotProductAttention(q, k, v, additive, (float) (1 / Math.sqrt(hs)), splitHeads(ctx.reshape(batch, sq, heads, hs)), probs);
      output.forward(backend, ctx, Activation.IDENTITY, result);
      return new AttentionOutput(result, probs);
    }
  }

  private Tensor project(Backend backend, TensorAllocator tmp, Tensor x, int part, Linear separate) {
    Tensor y;
    if (separate != null) {
      y = separate.forward(backend, tmp, x, Activation.IDENTITY);
    } else {
      // A slice of the fused weight is a new view each call: run it unprepared rather than prepare a copy per call.
      y = tmp.allocate(x.dim(0), x.dim(1), hidden);
      backend.linear(x, qkv.weight().slice(0, part * hidden, hidden), qkv.bias() == null ? null : qkv.bias().slice(0, part * hidden, hidden),
          Activation.IDENTITY, y);
    }
    return splitHeads(y.reshape(x.dim(0), x.dim(1), heads, headSize()));
  }

  /** {@code [batch, seq, heads, headSize]} viewed as {@code [batch, heads, seq, headSize]}. */
  private static Tensor splitHeads(Tensor t) {
    return t.permute(0, 2, 1, 3);
  }

  private void checkInput(String what, Tensor t) {
    if (t.rank() != 3 || t.dim(2) != hidden) {
      throw new IllegalArgumentException("attention " + what + " must be [batch, seq, " + hidden + "], got " + t.shape());
    }
  }
}
