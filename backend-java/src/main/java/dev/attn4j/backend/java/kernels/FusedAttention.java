package dev.attn4j.backend.java.kernels;

import static dev.attn4j.backend.java.kernels.KernelProvider.ROWS;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scaled dot-product attention four query rows at a time: {@code s = q_i K^T}, {@code p = softmax(scale * s + mask)},
 * {@code o_i = p V}, with K (transposed) and V of one (batch, head) packed once into heap panels, read once per four
 * query rows, and the rows' scores kept in L1. All heads go through one call, split over the workers by (batch, head)
 * and, when there are fewer of those than workers, by blocks of query rows. Each output row is computed the same way whatever the split, so
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
        int to = blockStart(sq, rowBlocks, block + 1);
        for (int i = blockStart(sq, rowBlocks, block); i < to; i += ROWS) {
          rows(ops, panels, kernels, m, i, Math.min(ROWS, to - i));
        }
      }
    });
    return true;
  }

  /** First query row of {@code block}: on a multiple of {@link KernelProvider#ROWS}, so grouping never depends on the split. */
  private static int blockStart(int sq, int blocks, int block) {
    return block == blocks ? sq : (int) ((long) sq * block / blocks) / ROWS * ROWS;
  }

  /** Query rows {@code [i, i + rows)}, {@code rows <= ROWS}, of (batch, head) {@code m}; missing rows are zeros, not stored. */
  private static void rows(Operands o, Panels p, KernelProvider kernels, int m, int i, int rows) {
    long r0 = (long) m * o.sq + i;
    for (int r = 0; r < ROWS; r++) {
      if (r < rows) {
        MemorySegment.copy(o.qs, Layouts.F32, o.q.rowOffset(r0 + r) * Float.BYTES, p.query, r * o.d, o.d);
      } else {
        java.util.Arrays.fill(p.query, r * o.d, (r + 1) * o.d, 0f);
      }
    }
    kernels.vecMatRows(p.query, o.d, o.d, p.keysT, o.sk, o.sk, p.scores, o.sk);
    for (int r = 0; r < ROWS; r++) {
      if (r < rows) {
        kernels.softmaxScores(p.scores, r * o.sk, o.sk, o.scale, o.ms, o.ms == null ? 0 : o.mask.rowOffset(r0 + r));
        if (o.probs != null) {
          MemorySegment.copy(p.scores, r * o.sk, o.ps, Layouts.F32, o.probs.rowOffset(r0 + r) * Float.BYTES, o.sk);
        }
      } else {
        java.util.Arrays.fill(p.scores, r * o.sk, (r + 1) * o.sk, 0f);
      }
    }
    kernels.vecMatRows(p.scores, o.sk, o.sk, p.values, o.dv, o.dv, p.context, o.dv);
    for (int r = 0; r < rows; r++) {
      MemorySegment.copy(p.context, r * o.dv, o.os, Layouts.F32, o.out.rowOffset(r0 + r) * Float.BYTES, o.dv);
    }
  }

  /** The operands, their segments and sizes, shared by all parts. */
  private record Operands(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor probs, MemorySegment qs, MemorySegment ks,
      MemorySegment vs, MemorySegment ms, MemorySegment os, MemorySegment ps, int sq, int sk, int d, int dv, float scale) {
    Operands(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, Tensor probs, int sq, int sk, int d, int dv, float scale) {
      this(q, k, v, mask, out, probs, q.segment(), k.segment(), v.segment(), mask == null ? null : mask.segment(), out.segment(),
          probs == null ? null : probs.segment(), sq, sk, d, dv, scale);
    }
  }

  /** One part's buffers: K^T and V of the current (batch, head), and four rows' queries, scores and contexts. */
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
      query = new float[ROWS * d];
      scores = new float[ROWS * sk];
      context = new float[ROWS * dv];
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
