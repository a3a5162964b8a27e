package dev.attn4j.backend.openblas.internal;

import dev.attn4j.spi.GemmProblem;

/**
 * How a strided {@link GemmProblem} maps onto one {@code cblas_sgemm} call: the storage order (chosen by
 * {@code C}), and for each operand the transpose flag and leading dimension. BLAS needs one unit stride per
 * matrix and a leading dimension of at least the other extent; problems that do not fit (broadcast rows,
 * two non-unit strides, empty dimensions) get no layout and run on the Java kernels instead.
 *
 * @param order {@link OpenBlas#ROW_MAJOR} or {@link OpenBlas#COL_MAJOR}
 * @param transA BLAS flag for {@code A}
 * @param lda leading dimension of {@code A}
 * @param transB BLAS flag for {@code B}
 * @param ldb leading dimension of {@code B}
 * @param ldc leading dimension of {@code C}
 */
record CblasLayout(int order, int transA, int lda, int transB, int ldb, int ldc) {

  /** The layout, or null when BLAS cannot address these strides. */
  static CblasLayout of(GemmProblem p) {
    int m = p.m();
    int n = p.n();
    int k = p.k();
    if (m == 0 || n == 0 || k == 0) {
      return null;
    }
    Addressing c = Addressing.of(m, n, p.cRowStride(), p.cColStride());
    Addressing a = Addressing.of(m, k, p.aRowStride(), p.aColStride());
    Addressing b = Addressing.of(k, n, p.bRowStride(), p.bColStride());
    if (a == null || b == null || c == null) {
      return null;
    }
    if (c.rowMajorLd > 0) {
      return new CblasLayout(OpenBlas.ROW_MAJOR, a.rowMajorLd > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, a.rowMajorLd > 0 ? a.rowMajorLd : a.colMajorLd,
          b.rowMajorLd > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, b.rowMajorLd > 0 ? b.rowMajorLd : b.colMajorLd, c.rowMajorLd);
    }
    return new CblasLayout(OpenBlas.COL_MAJOR, a.colMajorLd > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, a.colMajorLd > 0 ? a.colMajorLd : a.rowMajorLd,
        b.colMajorLd > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, b.colMajorLd > 0 ? b.colMajorLd : b.rowMajorLd, c.colMajorLd);
  }

  /** Whether {@code A} is addressed as {@code i * lda + j} (else {@code i + j * lda}). */
  boolean aRowMajor() {
    return (order == OpenBlas.ROW_MAJOR) == (transA == OpenBlas.NO_TRANS);
  }

  /** Whether {@code B} is addressed as {@code i * ldb + j}. */
  boolean bRowMajor() {
    return (order == OpenBlas.ROW_MAJOR) == (transB == OpenBlas.NO_TRANS);
  }

  /** Whether {@code C} is addressed as {@code i * ldc + j}. */
  boolean cRowMajor() {
    return order == OpenBlas.ROW_MAJOR;
  }

  /**
   * The two ways BLAS can address a {@code rows x cols} matrix: element {@code (i, j)} at {@code i*ld + j}
   * (row-major) or {@code i + j*ld} (column-major). A value of 0 means that form does not fit.
   */
  private record Addressing(int rowMajorLd, int colMajorLd) {
    static Addressing of(int rows, int cols, long rowStride, long colStride) {
      // A stride along an axis of extent 1 is never used: pick the smallest legal leading dimension.
      long rowLd = 0;
      if (cols == 1 || colStride == 1) {
        long ld = rows == 1 ? Math.max(1, cols) : rowStride;
        rowLd = ld >= Math.max(1, cols) && ld <= Integer.MAX_VALUE ? ld : 0;
      }
      long colLd = 0;
      if (rows == 1 || rowStride == 1) {
        long ld = cols == 1 ? Math.max(1, rows) : colStride;
        colLd = ld >= Math.max(1, rows) && ld <= Integer.MAX_VALUE ? ld : 0;
      }
      return rowLd == 0 && colLd == 0 ? null : new Addressing((int) rowLd, (int) colLd);
    }
  }
}
