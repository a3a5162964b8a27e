package dev.attn4j.backend.java.kernels;

import dev.attn4j.internal.reference.ReferenceKernels;
import dev.attn4j.spi.Activation;
import java.lang.foreign.MemorySegment;

/** Plain Java kernels: the fallback when the Vector API is absent, and the baseline in tests. */
final class ScalarKernels extends KernelProvider {
  static final ScalarKernels INSTANCE = new ScalarKernels();
  private static final int MR = 4;
  private static final int NR = 4;

  private ScalarKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public boolean vectorized() {
    return false;
  }

  @Override
  public int lanes() {
    return 1;
  }

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public void microKernel(int kc, float[] a, int ao, float[] b, int bo, float[] tile) {
    java.util.Arrays.fill(tile, 0, MR * NR, 0f);
    for (int p = 0; p < kc; p++) {
      int ap = ao + p * MR;
      int bp = bo + p * NR;
      for (int i = 0; i < MR; i++) {
        float av = a[ap + i];
        for (int j = 0; j < NR; j++) {
          tile[i * NR + j] += av * b[bp + j];
        }
      }
    }
  }

  @Override
  public void storeTile(float[] tile, MemorySegment c, long cOff, long cRs, long cCs, int rows, int cols, float alpha, float beta) {
    storeTileScalar(tile, NR, c, cOff, cRs, cCs, rows, cols, alpha, beta);
  }

  @Override
  public void addRow(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
    ReferenceKernels.addRow(x, xo, 1, y, yo, 1, n);
  }

  @Override
  public void biasActivateRow(MemorySegment x, long xo, MemorySegment bias, long bo, int n, Activation act) {
    if (bias != null) {
      ReferenceKernels.addRow(x, xo, 1, bias, bo, 1, n);
    }
    ReferenceKernels.activateRow(x, xo, 1, n, act);
  }

  @Override
  public void softmaxRow(MemorySegment x, long xo, int n, float scale, MemorySegment mask, long mo) {
    ReferenceKernels.softmaxRow(x, xo, 1, n, scale, mask, mo, 1);
  }

  @Override
  public void softmaxScores(float[] x, int xo, int n, float scale, MemorySegment mask, long mo) {
    ReferenceKernels.softmaxRow(MemorySegment.ofArray(x), xo, 1, n, scale, mask, mo, 1);
  }

  @Override
  public void vecMatRows(float[] a, int lda, int len, float[] b, int ldb, int n, float[] out, int ldo) {
    vecMatRowsScalar(a, lda, len, b, ldb, 0, n, out, ldo);
  }

  @Override
  public void layerNormRow(MemorySegment x, long xo, int n, MemorySegment g, long go, MemorySegment b, long bo, float eps) {
    ReferenceKernels.layerNormRow(x, xo, 1, n, g, go, 1, b, bo, 1, eps);
  }
}
