package dev.attn4j.backend.openblas.internal;

import dev.attn4j.spi.GemmProblem;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Runs a validated {@link GemmProblem} through {@code cblas_sgemm}, with OpenBLAS at one thread and the work
 * spread over the backend's Java workers: a batch (attention's per-head products) entry by entry, a single large
 * product in blocks of rows or columns. The backend so uses exactly its requested number of threads.
 *
 * <p>{@code cblas_sgemm_batch} is bound but used only when {@value #BATCH_PROPERTY} is {@code true}: in the
 * {@code org.bytedeco:openblas:0.3.31-1.5.13} build it (and {@code cblas_sgemm_batch_strided}) crashes with
 * SIGSEGV on every core type, reproduced from plain C, so the loop is the default. Stateless and thread-safe.
 */
public final class CblasGemm {
  /** System property: {@code true} lets a batch go through {@code cblas_sgemm_batch} when the library exports it. */
  public static final String BATCH_PROPERTY = "attn4j.openblas.batch";
  /** Multiply-adds from which a single product is split into blocks over the Java workers. */
  private static final long SPLIT_PRODUCT = 1L << 18;
  /** Blocks start on multiples of this many rows or columns, so OpenBLAS's register tiles stay whole. */
  private static final int BLOCK_ALIGN = 16;

  /** Runs parts {@code 0..parts-1} of a task in parallel and waits (the backend's worker pool). */
  @FunctionalInterface
  public interface Parallel {
    /** Runs {@code task} for every part and returns when all are done. */
    void run(int parts, IntConsumer task);
  }

  private final OpenBlas blas;
  private final boolean useBatchApi;

  /** Drives {@code blas}. */
  public CblasGemm(OpenBlas blas) {
    this.blas = blas;
    this.useBatchApi = blas.sgemmBatch != null && Boolean.getBoolean(BATCH_PROPERTY);
  }

  /**
   * Runs {@code p} natively with {@code threads} threads, or returns false (doing nothing) when its strides
   * cannot be expressed to BLAS or an operand lives on the Java heap.
   */
  public boolean run(GemmProblem p, float alpha, float beta, int threads, Parallel parallel) {
    CblasLayout layout = CblasLayout.of(p);
    // Heap segments cannot be handed to a (non-critical) downcall.
    if (layout == null || !p.a().isNative() || !p.b().isNative() || !p.c().isNative()) {
      return false;
    }
    checkBounds(p, layout);
    int batch = p.batch();
    if (useBatchApi && batch > 1) {
      blas.withThreads(threads, () -> batched(p, layout, alpha, beta));
      return true;
    }
    // OpenBLAS always runs at one thread and the backend's Java workers split the work: one set of compute
    // threads per backend. OpenBLAS's own pool would spin for a while after each call and compete for the
    // cores with the Java row kernels that run next (measured: 2-5x slower layer norms on 2 cores).
    if (batch == 1 && threads > 1 && (long) p.m() * p.n() * p.k() >= SPLIT_PRODUCT) {
      boolean alongN = p.n() >= p.m();
      int extent = alongN ? p.n() : p.m();
      int parts = Math.min(threads, Math.max(1, extent / BLOCK_ALIGN));
      blas.withThreads(1, () -> parallel.run(parts, part -> {
        int from = blockStart(extent, parts, part);
        int to = blockStart(extent, parts, part + 1);
        if (alongN) {
          single(p, layout, alpha, beta, 0, 0, p.m(), from, to);
        } else {
          single(p, layout, alpha, beta, 0, from, to, 0, p.n());
        }
      }));
      return true;
    }
    int parts = Math.min(threads, batch);
    blas.withThreads(1, () -> parallel.run(parts, part -> {
      for (int i = batch * part / parts; i < batch * (part + 1) / parts; i++) {
        single(p, layout, alpha, beta, i, 0, p.m(), 0, p.n());
      }
    }));
    return true;
  }

  /** Start of block {@code part} of {@code parts} over {@code extent}, on a multiple of {@link #BLOCK_ALIGN}. */
  private static int blockStart(int extent, int parts, int part) {
    if (part == parts) {
      return extent;
    }
    return (int) ((long) extent * part / parts / BLOCK_ALIGN * BLOCK_ALIGN);
  }

  /** Rows {@code [m0, m1)} and columns {@code [n0, n1)} of product {@code i}; the leading dimensions stay the operands'. */
  private void single(GemmProblem p, CblasLayout l, float alpha, float beta, int i, int m0, int m1, int n0, int n1) {
    long aOff = p.aOffset(i) + m0 * p.aRowStride();
    long bOff = p.bOffset(i) + n0 * p.bColStride();
    long cOff = p.cOffset(i) + m0 * p.cRowStride() + n0 * p.cColStride();
    try {
      blas.sgemm.invokeExact(l.order(), l.transA(), l.transB(), m1 - m0, n1 - n0, p.k(), alpha, at(p.a(), aOff), l.lda(),
          at(p.b(), bOff), l.ldb(), beta, at(p.c(), cOff), l.ldc());
    } catch (Throwable t) {
      throw OpenBlas.rethrow(t);
    }
  }

  /**
   * One group of {@code batch} products. The pointer arrays hold raw addresses, which do not keep the
   * tensors' scopes alive: as for every kernel, closing an operand's scope during the call is a caller error.
   */
  private void batched(GemmProblem p, CblasLayout l, float alpha, float beta) {
    int n = p.batch();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment as = arena.allocate(ADDRESS, n);
      MemorySegment bs = arena.allocate(ADDRESS, n);
      MemorySegment cs = arena.allocate(ADDRESS, n);
      for (int i = 0; i < n; i++) {
        as.setAtIndex(ADDRESS, i, at(p.a(), p.aOffset(i)));
        bs.setAtIndex(ADDRESS, i, at(p.b(), p.bOffset(i)));
        cs.setAtIndex(ADDRESS, i, at(p.c(), p.cOffset(i)));
      }
      blas.sgemmBatch.invokeExact(l.order(), arena.allocateFrom(JAVA_INT, l.transA()), arena.allocateFrom(JAVA_INT, l.transB()),
          arena.allocateFrom(JAVA_INT, p.m()), arena.allocateFrom(JAVA_INT, p.n()), arena.allocateFrom(JAVA_INT, p.k()),
          arena.allocateFrom(JAVA_FLOAT, alpha), as, arena.allocateFrom(JAVA_INT, l.lda()), bs, arena.allocateFrom(JAVA_INT, l.ldb()),
          arena.allocateFrom(JAVA_FLOAT, beta), cs, arena.allocateFrom(JAVA_INT, l.ldc()), 1, arena.allocateFrom(JAVA_INT, n));
    } catch (Throwable t) {
      throw OpenBlas.rethrow(t);
    }
  }

  private static MemorySegment at(MemorySegment s, long elementOffset) {
    return s.asSlice(elementOffset * Float.BYTES);
  }

  /**
   * Defence in depth before native code runs: every element BLAS will address, given the layout's leading
   * dimensions, lies inside its operand's segment. {@link GemmProblem} already guarantees this for the
   * tensors' own strides; this checks the translation to BLAS terms too.
   */
  static void checkBounds(GemmProblem p, CblasLayout l) {
    for (int i = 0; i < p.batch(); i++) {
      inside("A", p.a(), p.aOffset(i), p.m(), p.k(), l.aRowMajor(), l.lda());
      inside("B", p.b(), p.bOffset(i), p.k(), p.n(), l.bRowMajor(), l.ldb());
      inside("C", p.c(), p.cOffset(i), p.m(), p.n(), l.cRowMajor(), l.ldc());
    }
  }

  private static void inside(String name, MemorySegment s, long offset, int rows, int cols, boolean rowMajor, int ld) {
    long last = offset + (rowMajor ? (rows - 1L) * ld + (cols - 1L) : (rows - 1L) + (cols - 1L) * ld);
    long elements = s.byteSize() / Float.BYTES;
    if (offset < 0 || last >= elements) {
      throw new IllegalArgumentException("GEMM operand " + name + " [" + rows + "x" + cols + ", ld " + ld + ", offset " + offset
          + "] would address element " + last + " of a " + elements + "-element segment");
    }
  }
}
