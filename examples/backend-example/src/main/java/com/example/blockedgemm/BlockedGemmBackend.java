package com.example.blockedgemm;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.GemmProblem;
import dev.attn4j.spi.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A minimal third-party backend: GEMM as a cache-blocked loop, every other kernel inherited from the SPI's portable
 * defaults. Single-threaded; instances hold no state but whether they are closed, and are safe to share between
 * threads.
 */
public final class BlockedGemmBackend implements Backend {
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
  /** Rows of C and depth of the product per block: 32 x 256 floats of A stay in L1/L2 while B streams. */
  private static final int ROWS = 32;
  private static final int DEPTH = 256;

  private volatile boolean closed;

  @Override
  public String name() {
    return "blocked-gemm";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    if (closed) {
      throw new IllegalStateException("blocked-gemm backend is closed");
    }
    // GemmProblem checks shapes, liveness and overlap, and resolves views and transposes into offsets and strides.
    GemmProblem p = GemmProblem.of(a, transA, b, transB, c);
    MemorySegment as = p.a();
    MemorySegment bs = p.b();
    MemorySegment cs = p.c();
    int m = p.m();
    int n = p.n();
    int k = p.k();
    float[] acc = new float[ROWS * n];
    for (int bi = 0; bi < p.batch(); bi++) {
      long ao = p.aOffset(bi);
      long bo = p.bOffset(bi);
      long co = p.cOffset(bi);
      for (int i0 = 0; i0 < m; i0 += ROWS) {
        int rows = Math.min(ROWS, m - i0);
        java.util.Arrays.fill(acc, 0f);
        for (int p0 = 0; p0 < k; p0 += DEPTH) {
          int depth = Math.min(DEPTH, k - p0);
          for (int i = 0; i < rows; i++) {
            for (int q = p0; q < p0 + depth; q++) {
              float av = as.getAtIndex(F, ao + (i0 + i) * p.aRowStride() + q * p.aColStride());
              long brow = bo + q * p.bRowStride();
              for (int j = 0; j < n; j++) {
                acc[i * n + j] += av * bs.getAtIndex(F, brow + j * p.bColStride());
              }
            }
          }
        }
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < n; j++) {
            long ci = co + (i0 + i) * p.cRowStride() + j * p.cColStride();
            // beta == 0 must ignore C entirely: it may hold NaN.
            float old = beta == 0 ? 0 : beta * cs.getAtIndex(F, ci);
            cs.setAtIndex(F, ci, alpha * acc[i * n + j] + old);
          }
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
