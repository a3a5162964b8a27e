package dev.attn4j.backend.java.kernels;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.GemmProblem;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Cache-blocked, packed GEMM driver (the BLIS loop order): for each {@code NC}-wide column block and
 * {@code KC}-deep slice, pack {@code op(B)} into {@code nr}-wide panels; for each {@code MC}-tall row block,
 * pack {@code op(A)} into {@code mr}-tall panels; sweep the micro-kernel over the tiles. A micro-panel of B
 * ({@code KC x nr}) stays in L1 while the A block ({@code MC x KC}) streams from L2.
 *
 * <p>Threads split the batch when there are enough batch entries, else the columns (or rows, when C is
 * tall and narrow) of each product. Each worker packs into its own buffers. Stateless and thread-safe.
 */
public final class Gemm {
  /** 256 floats deep: a 32-column B micro-panel is 32 KiB, the L1 size. */
  static final int KC = 256;
  /** A block of 128 x 256 floats is 128 KiB: it stays in L2. */
  static final int MC = 128;
  static final int NC = 3072;
  /** Below this many multiply-adds a product runs on one thread: forking would cost more than it saves. */
  private static final long PARALLEL_THRESHOLD = 64L * 64 * 64;

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private Gemm() {}

  /** Packing buffers of one thread, grown on demand. */
  private static final class Buffers {
    float[] a = new float[0];
    float[] b = new float[0];
    float[] row = new float[0];
    float[] tile = new float[0];

    float[] a(int n) {
      return a.length >= n ? a : (a = new float[n]);
    }

    float[] b(int n) {
      return b.length >= n ? b : (b = new float[n]);
    }

    float[] row(int n) {
      return row.length >= n ? row : (row = new float[n]);
    }

    float[] tile(int n) {
      return tile.length >= n ? tile : (tile = new float[n]);
    }
  }

  /** Computes {@code C = alpha * op(A) * op(B) + beta * C} for a validated problem. */
  public static void run(GemmProblem p, float alpha, float beta, KernelProvider kp, WorkerPool pool) {
    run(p, null, alpha, beta, kp, pool);
  }

  /**
   * As {@link #run(GemmProblem, float, float, KernelProvider, WorkerPool)}, with {@code op(B)} already packed
   * ({@code packed}, made by {@link #pack} from the same B, or null to pack per call).
   */
  public static void run(GemmProblem p, PackedWeight packed, float alpha, float beta, KernelProvider kp, WorkerPool pool) {
    int batch = p.batch();
    int m = p.m();
    int n = p.n();
    int k = p.k();
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    int threads = (double) batch * m * n * k < PARALLEL_THRESHOLD ? 1 : pool.threads();
    if (batch >= threads) {
      pool.run(threads, t -> {
        int from = (int) ((long) batch * t / threads);
        int to = (int) ((long) batch * (t + 1) / threads);
        for (int i = from; i < to; i++) {
          block(p, packed, i, 0, m, 0, n, alpha, beta, kp);
        }
      });
      return;
    }
    // Fewer products than threads: split each one's columns (or rows, for tall narrow C) among workers.
    int perBatch = (threads + batch - 1) / batch;
    // With B packed in advance, split the rows: each worker then packs only its own rows of A. Splitting the columns
    // would have every worker pack all of A, which at M = 128 is a quarter of the work when N per worker is small.
    boolean byCols = packed != null ? m < perBatch * kp.mr() * 2 : n >= m || n >= perBatch * kp.nr() * 4;
    int unit = byCols ? kp.nr() : kp.mr();
    int extent = byCols ? n : m;
    int units = (extent + unit - 1) / unit;
    int parts = Math.min(perBatch, units);
    pool.run(batch * parts, task -> {
      int i = task / parts;
      int part = task % parts;
      int from = Math.min(extent, (int) ((long) units * part / parts) * unit);
      int to = Math.min(extent, (int) ((long) units * (part + 1) / parts) * unit);
      if (byCols) {
        block(p, packed, i, 0, m, from, to, alpha, beta, kp);
      } else {
        block(p, packed, i, from, to, 0, n, alpha, beta, kp);
      }
    });
  }

  /** Rows {@code [m0, m1)} and columns {@code [n0, n1)} of batch entry {@code bi}, on the calling thread. */
  private static void block(GemmProblem p, PackedWeight packed, int bi, int m0, int m1, int n0, int n1, float alpha, float beta,
      KernelProvider kp) {
    if (m0 >= m1 || n0 >= n1) {
      return;
    }
    int k = p.k();
    MemorySegment c = p.c();
    long cOff = p.cOffset(bi);
    long cRs = p.cRowStride();
    long cCs = p.cColStride();
    if (k == 0) {
      scale(c, cOff, cRs, cCs, m0, m1, n0, n1, beta);
      return;
    }
    int mr = kp.mr();
    int nr = kp.nr();
    Buffers buf = BUFFERS.get();
    float[] tile = buf.tile(mr * nr);
    for (int jc = n0; jc < n1; jc += NC) {
      int nc = Math.min(NC, n1 - jc);
      int ncPadded = (nc + nr - 1) / nr * nr;
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        float[] bp;
        int bBase;
        if (packed != null) {
          // Prepared once at load: this slice's panels for all columns; ours start at panel jc / nr.
          bp = packed.slice(pc / KC);
          bBase = jc / nr * nr * kc;
        } else {
          bp = buf.b(ncPadded * kc);
          bBase = 0;
          packB(p.b(), p.bOffset(bi), p.bRowStride(), p.bColStride(), pc, kc, jc, nc, nr, bp, 0, buf);
        }
        float betaEff = pc == 0 ? beta : 1f;
        for (int ic = m0; ic < m1; ic += MC) {
          int mc = Math.min(MC, m1 - ic);
          int mcPadded = (mc + mr - 1) / mr * mr;
          float[] ap = buf.a(mcPadded * kc);
          packA(p, bi, ic, mc, pc, kc, mr, ap, buf);
          for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int bo = bBase + jr * kc;
            for (int ir = 0; ir < mc; ir += mr) {
              int rows = Math.min(mr, mc - ir);
              long co = cOff + (ic + ir) * cRs + (jc + jr) * cCs;
              kp.microKernel(kc, ap, ir * kc, bp, bo, tile);
              kp.storeTile(tile, c, co, cRs, cCs, rows, cols, alpha, betaEff);
            }
          }
        }
      }
    }
  }

  /** {@code op(A)[ic..ic+mc, pc..pc+kc]} into {@code mr}-row panels: {@code ap[panel*mr*kc + p*mr + r]}, zero-padded. */
  private static void packA(GemmProblem pr, int bi, int ic, int mc, int pc, int kc, int mr, float[] ap, Buffers buf) {
    MemorySegment a = pr.a();
    long rs = pr.aRowStride();
    long cs = pr.aColStride();
    long base = pr.aOffset(bi) + ic * rs + pc * cs;
    for (int panel = 0; panel * mr < mc; panel++) {
      int dst = panel * mr * kc;
      int rows = Math.min(mr, mc - panel * mr);
      if (rows < mr) {
        Arrays.fill(ap, dst, dst + mr * kc, 0f);
      }
      long panelBase = base + (long) panel * mr * rs;
      if (cs == 1) {
        // Rows are contiguous: bulk-copy each row, then interleave.
        float[] row = buf.row(kc);
        for (int r = 0; r < rows; r++) {
          MemorySegment.copy(a, Layouts.F32, (panelBase + r * rs) * Float.BYTES, row, 0, kc);
          for (int q = 0; q < kc; q++) {
            ap[dst + q * mr + r] = row[q];
          }
        }
      } else if (rs == 1 && rows == mr) {
        // Columns are contiguous (A transposed): each k step is one bulk copy.
        for (int q = 0; q < kc; q++) {
          MemorySegment.copy(a, Layouts.F32, (panelBase + q * cs) * Float.BYTES, ap, dst + q * mr, mr);
        }
      } else {
        for (int r = 0; r < rows; r++) {
          for (int q = 0; q < kc; q++) {
            ap[dst + q * mr + r] = a.getAtIndex(Layouts.F32, panelBase + r * rs + q * cs);
          }
        }
      }
    }
  }

  /** {@code op(B)[pc..pc+kc, jc..jc+nc]} into {@code nr}-column panels: {@code bp[panel*nr*kc + p*nr + j]}, zero-padded. */
  private static void packB(MemorySegment b, long offset, long rs, long cs, int pc, int kc, int jc, int nc, int nr, float[] bp, int bpOff,
      Buffers buf) {
    long base = offset + pc * rs + jc * cs;
    for (int panel = 0; panel * nr < nc; panel++) {
      int dst = bpOff + panel * nr * kc;
      int cols = Math.min(nr, nc - panel * nr);
      if (cols < nr) {
        Arrays.fill(bp, dst, dst + nr * kc, 0f);
      }
      long panelBase = base + (long) panel * nr * cs;
      if (cs == 1) {
        for (int q = 0; q < kc; q++) {
          MemorySegment.copy(b, Layouts.F32, (panelBase + q * rs) * Float.BYTES, bp, dst + q * nr, cols);
        }
      } else if (rs == 1) {
        // B transposed (a [out, in] weight): each output column is a contiguous input row.
        float[] row = buf.row(kc);
        for (int j = 0; j < cols; j++) {
          MemorySegment.copy(b, Layouts.F32, (panelBase + j * cs) * Float.BYTES, row, 0, kc);
          for (int q = 0; q < kc; q++) {
            bp[dst + q * nr + j] = row[q];
          }
        }
      } else {
        for (int q = 0; q < kc; q++) {
          for (int j = 0; j < cols; j++) {
            bp[dst + q * nr + j] = b.getAtIndex(Layouts.F32, panelBase + q * rs + j * cs);
          }
        }
      }
    }
  }

  /**
   * Packs {@code op(B) = weight^T} ({@code weight [n, k]}, a layer weight) into the panels {@link #block} reads: one
   * array per {@code KC}-deep slice holding every column's {@code nr}-wide panels.
   */
  public static PackedWeight pack(Tensor weight, KernelProvider kp) {
    int n = weight.dim(0);
    int k = weight.dim(1);
    int nr = kp.nr();
    int nPadded = (n + nr - 1) / nr * nr;
    float[][] slices = new float[(k + KC - 1) / KC][];
    MemorySegment b = weight.segment();
    Buffers buf = BUFFERS.get();
    for (int pc = 0, s = 0; pc < k; pc += KC, s++) {
      int kc = Math.min(KC, k - pc);
      slices[s] = new float[nPadded * kc];
      // op(B) rows run along the weight's columns (stride 1 for a dense weight), op(B) columns along its rows.
      packB(b, 0, weight.stride(1), weight.stride(0), pc, kc, 0, n, nr, slices[s], 0, buf);
    }
    return new PackedWeight(n, k, nr, slices);
  }

  /** {@code C = beta * C} (K = 0); with {@code beta == 0} C is overwritten with zeros, not read. */
  private static void scale(MemorySegment c, long off, long rs, long cs, int m0, int m1, int n0, int n1, float beta) {
    for (int i = m0; i < m1; i++) {
      for (int j = n0; j < n1; j++) {
        long idx = off + i * rs + j * cs;
        c.setAtIndex(Layouts.F32, idx, beta == 0 ? 0f : beta * c.getAtIndex(Layouts.F32, idx));
      }
    }
  }
}
