package dev.attn4j.backend.java.kernels;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import dev.attn4j.spi.Activation;

/**
 * The innermost loops of backend-java, in two final implementations: {@link ScalarKernels} (always works)
 * and {@code VectorKernels} (the incubating Vector API). Which one runs is decided once, here, following
 * Lucene's vectorization providers: the Vector API classes are only loaded after checking that
 * {@code jdk.incubator.vector} is in the boot layer, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} gets the scalar kernels and one warning, not a
 * {@code NoClassDefFoundError}.
 *
 * <p>Row kernels take unit-stride rows (element offsets into segments); callers route other layouts to
 * the reference kernels. Implementations are stateless and thread-safe.
 */
public abstract class KernelProvider {
  private static final System.Logger LOG = System.getLogger("dev.attn4j.backend.java");
  private static final String VECTOR_MODULE = "jdk.incubator.vector";

  KernelProvider() {}

  /** The provider this JVM supports best (decided once). */
  public static KernelProvider best() {
    return Holder.BEST;
  }

  /** The scalar provider. */
  public static KernelProvider scalar() {
    return ScalarKernels.INSTANCE;
  }

  private static final class Holder {
    static final KernelProvider BEST = lookup();
  }

  private static KernelProvider lookup() {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      LOG.log(Level.WARNING, "attn4j backend-java: " + VECTOR_MODULE + " is not enabled, so the scalar kernels run (several times"
          + " slower). Start the JVM with --add-modules " + VECTOR_MODULE + " to use SIMD.");
      return ScalarKernels.INSTANCE;
    }
    try {
      Class<?> c = Class.forName("dev.attn4j.backend.java.kernels.VectorKernels");
      KernelProvider p = (KernelProvider) c.getDeclaredConstructor().newInstance();
      if (p.lanes() < 4) {
        LOG.log(Level.WARNING, "attn4j backend-java: the preferred float vector has only " + p.lanes()
            + " lanes on this CPU; using the scalar kernels");
        return ScalarKernels.INSTANCE;
      }
      return p;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.log(Level.WARNING, "attn4j backend-java: the Vector API kernels failed to load (" + e + "); using the scalar kernels");
      return ScalarKernels.INSTANCE;
    }
  }

  /** Human-readable name, e.g. {@code "Vector API, 16 x f32"}. */
  public abstract String name();

  /** Whether this is the SIMD implementation. */
  public abstract boolean vectorized();

  /** Float lanes per vector (1 for scalar). */
  public abstract int lanes();

  /** Rows of the GEMM micro-tile. */
  public abstract int mr();

  /** Columns of the GEMM micro-tile. */
  public abstract int nr();

  /**
   * The GEMM micro-kernel: {@code tile[i*nr + j] = sum_p A[i, p] * B[p, j]} over packed panels
   * ({@code a[ao + p*mr + i]}, {@code b[bo + p*nr + j]}).
   *
   * <p>It only writes a heap tile: memory-segment loads of C inside this big, fully unrolled method
   * exhaust C2's inlining budget and fall off the Vector API intrinsics (measured: 67 to 15 GFLOP/s).
   */
  public abstract void microKernel(int kc, float[] a, int ao, float[] b, int bo, float[] tile);

  /** {@code C = alpha * tile + beta * C} for the top-left {@code rows x cols}; C is not read when {@code beta == 0}. */
  public abstract void storeTile(float[] tile, MemorySegment c, long cOff, long cRs, long cCs, int rows, int cols, float alpha, float beta);

  /** {@code x[xo..xo+n) += y[yo..yo+n)}. */
  public abstract void addRow(MemorySegment x, long xo, MemorySegment y, long yo, int n);

  /** {@code x = act(x + bias)} over a row; {@code bias} may be null. */
  public abstract void biasActivateRow(MemorySegment x, long xo, MemorySegment bias, long bo, int n, Activation act);

  /** Softmax of {@code scale * x + mask} in place; {@code mask} may be null. All {@code -inf} gives zeros. */
  public abstract void softmaxRow(MemorySegment x, long xo, int n, float scale, MemorySegment mask, long mo);

  /**
   * Softmax of {@code scale * x + mask} in place over {@code x[xo..xo+n)}, a heap row (attention's scores); {@code mask}
   * (a unit-stride row at element {@code mo}) may be null. All {@code -inf} gives zeros. A separate entry point from
   * {@link #softmaxRow} because one method fed both heap and native segments was measured 6x slower once compiled.
   */
  public abstract void softmaxScores(float[] x, int xo, int n, float scale, MemorySegment mask, long mo);

  /** Layer normalization in place. */
  public abstract void layerNormRow(MemorySegment x, long xo, int n, MemorySegment g, long go, MemorySegment b, long bo, float eps);

  /** Rows {@link #vecMatRows} computes at once. */
  public static final int ROWS = 4;

  /**
   * {@link #ROWS} vectors times one row-major matrix: {@code out[r * ldo + j] = sum_t a[r * lda + t] * b[t * ldb + j]}
   * for {@code r < ROWS}, {@code j < n}, {@code t < len}. Each element is one chain of fused multiply-adds in order of
   * {@code t}, whichever path computes it, so a row's result does not depend on the rows it is grouped with. Four rows
   * share each load of {@code b}: attention's K^T and V panels are read once per four query rows.
   */
  public abstract void vecMatRows(float[] a, int lda, int len, float[] b, int ldb, int n, float[] out, int ldo);

  /** {@link #vecMatRows} for columns {@code [from, n)} one element at a time; the providers' tail. */
  static void vecMatRowsScalar(float[] a, int lda, int len, float[] b, int ldb, int from, int n, float[] out, int ldo) {
    for (int r = 0; r < ROWS; r++) {
      for (int j = from; j < n; j++) {
        float s = 0;
        for (int t = 0; t < len; t++) {
          s = Math.fma(a[r * lda + t], b[t * ldb + j], s);
        }
        out[r * ldo + j] = s;
      }
    }
  }

  /** Scalar tile write-back for any layout: {@code C = alpha * tile + beta * C} for {@code rows x cols}. */
  static void storeTileScalar(float[] tile, int nr, MemorySegment c, long cOff, long cRs, long cCs, int rows, int cols, float alpha, float beta) {
    for (int i = 0; i < rows; i++) {
      long row = cOff + i * cRs;
      for (int j = 0; j < cols; j++) {
        long idx = row + j * cCs;
        float v = alpha * tile[i * nr + j];
        if (beta != 0) {
          v += beta * c.getAtIndex(Layouts.F32, idx);
        }
        c.setAtIndex(Layouts.F32, idx, v);
      }
    }
  }
}
