package dev.attn4j.backend.java.kernels;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scaled dot-product attention one query row at a time: {@code s = q_i K^T}, {@code p = softmax(scale * s + mask)},
 * {@code o_i = p V}, with K (transposed) and V of one (batch, head) packed once into heap panels and the row's scores
 * kept in L1. All heads go through one call, split over the workers by (batch, head) and, when there are fewer of
 * those than workers, by blocks of query rows. Each output row is computed the same way whatever the split, so
 * results do not depend on the thread count.
 *
 * <p>Why not GEMM + softmax + GEMM: a head's products are tiny ({@code 128 x 128 x 32} in MiniLM), so a general GEMM
 * spends most of its time packing, and the scores make a round trip through memory between the three calls.
 * Stateless and thread-safe.
 */
public final class FusedAttention {
  /** Largest K or V panel (elements) packed on the heap; longer sequences take the composed path. */
  private static final long MAX_PANEL = 1L << 24;

  private FusedAttention() {}

  /**
   * Runs attention for already validated operands (see {@code KernelChecks.attention}); returns false, doing nothing,
   * when a layout does not fit (a last axis with a stride other than 1, or panels too large).
   */
  public static boolean run(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs, KernelProvider kernels,
      WorkerPool pool) {
    int rank = q.rank();
    Shape batchShape = q.shape().sub(0, rank - 2);
    int sq = q.dim(-2);
    int d = q.dim(-1);
    int sk = k.dim(-2);
    int dv = v.dim(-1);
    Tensor ke = k.expand(batchShape.concat(Shape.of(sk, d)));
    Tensor ve = v.expand(batchShape.concat(Shape.of(sk, dv)));
    Tensor me = mask == null ? null : mask.expand(batchShape.concat(Shape.of(sq, sk)));
    if (q.stride(-1) != 1 || ke.stride(-1) != 1 || ve.stride(-1) != 1 || out.stride(-1) != 1 || (me != null && me.stride(-1) != 1)
        || (probs != null && probs.stride(-1) != 1) || (long) d * sk > MAX_PANEL || (long) sk * dv > MAX_PANEL) {
      return false;
    }
    if (sq == 0 || dv == 0) {
      return true;
    }
    int matrices = Math.toIntExact(batchShape.size());
    int rowBlocks = matrices >= pool.threads() ? 1 : Math.min(sq, (pool.threads() + matrices - 1) / matrices);
    int units = matrices * rowBlocks;
    int parts = Math.min(pool.threads(), units);
    Operands ops = new Operands(q, ke, ve, me, out, probs, sq, sk, d, dv, scale);
    pool.run(parts, part -> {
      Panels panels = new Panels(sk, d, dv);
      for (int u = units * part / parts; u < units * (part + 1) / parts; u++) {
        int m = u / rowBlocks;
        int block = u % rowBlocks;
        panels.pack(ops, m);
        for (int i = sq * block / rowBlocks; i < sq * (block + 1) / rowBlocks; i++) {
          row(ops, panels, kernels, m, i);
        }
      }
    });
    return true;
  }

  private static void row(Operands o, Panels p, KernelProvider kernels, int m, int i) {
    long r = (long) m * o.sq + i;
    MemorySegment.copy(o.qs, Layouts.F32, o.q.rowOffset(r) * Float.BYTES, p.query, 0, o.d);
    kernels.vecMat(p.query, 0, o.d, p.keysT, 0, o.sk, o.sk, p.scores, 0);
    kernels.softmaxScores(p.scores, o.sk, o.scale, o.ms, o.ms == null ? 0 : o.mask.rowOffset(r));
    if (o.probs != null) {
      MemorySegment.copy(p.scores, 0, o.ps, Layouts.F32, o.probs.rowOffset(r) * Float.BYTES, o.sk);
    }
    kernels.vecMat(p.scores, 0, o.sk, p.values, 0, o.dv, o.dv, p.context, 0);
    MemorySegment.copy(p.context, 0, o.os, Layouts.F32, o.out.rowOffset(r) * Float.BYTES, o.dv);
  }

  /** The operands, their segments and sizes, shared by all parts. */
  private record Operands(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor probs, MemorySegment qs, MemorySegment ks,
      MemorySegment vs, MemorySegment ms, MemorySegment os, MemorySegment ps, int sq, int sk, int d, int dv, float scale) {
    Operands(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor probs, int sq, int sk, int d, int dv, float scale) {
      this(q, k, v, mask, out, probs, q.segment(), k.segment(), v.segment(), mask == null ? null : mask.segment(), out.segment(),
          probs == null ? null : probs.segment(), sq, sk, d, dv, scale);
    }
  }

  /** One part's buffers: K^T and V of the current (batch, head), and one row's query, scores and context. */
  private static final class Panels {
    final float[] keysT;
    final float[] values;
    final float[] query;
    final float[] scores;
    final float[] context;
    private final float[] keyRow;
    private int packed = -1;

    Panels(int sk, int d, int dv) {
      keysT = new float[d * sk];
      values = new float[sk * dv];
      query = new float[d];
      scores = new float[sk];
      context = new float[dv];
      keyRow = new float[d];
    }

    void pack(Operands o, int m) {
      if (packed == m) {
        return;
      }
      for (int j = 0; j < o.sk; j++) {
        long r = (long) m * o.sk + j;
        MemorySegment.copy(o.ks, Layouts.F32, o.k.rowOffset(r) * Float.BYTES, keyRow, 0, o.d);
        for (int t = 0; t < o.d; t++) {
          keysT[t * o.sk + j] = keyRow[t];
        }
        MemorySegment.copy(o.vs, Layouts.F32, o.v.rowOffset(r) * Float.BYTES, values, j * o.dv, o.dv);
      }
      packed = m;
    }
  }
}
