package dev.attn4j.spi;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A validated, batched, strided GEMM {@code C[i] = alpha * op(A[i]) * op(B[i]) + beta * C[i]}, resolved to
 * memory segments, element offsets and strides. Backends build one with {@link #of} before touching any
 * memory: it checks every shape, stride and bound, so a native kernel driven by it cannot address memory
 * outside the operands.
 *
 * <p>Rules: {@code op(A)} is {@code [..., m, k]}, {@code op(B)} is {@code [..., k, n]}, {@code C} is
 * {@code [..., m, n]}. The batch axes of {@code A} and {@code B} broadcast to those of {@code C} (NumPy
 * rules: a rank-2 weight is shared by every batch entry). {@code C} may not broadcast and may not overlap
 * {@code A} or {@code B}.
 *
 * <p>Immutable and thread-safe. Strides and offsets are in elements.
 *
 * <p>Stability: stable since 0.1.
 */
public final class GemmProblem {
  private final int batch;
  private final int m;
  private final int n;
  private final int k;
  private final MemorySegment a;
  private final MemorySegment b;
  private final MemorySegment c;
  private final long[] aOffsets;
  private final long[] bOffsets;
  private final long[] cOffsets;
  private final long aRowStride;
  private final long aColStride;
  private final long bRowStride;
  private final long bColStride;
  private final long cRowStride;
  private final long cColStride;

  private GemmProblem(Tensor opA, Tensor opB, Tensor c, int batch) {
    this.batch = batch;
    this.m = c.dim(-2);
    this.n = c.dim(-1);
    this.k = opA.dim(-1);
    this.a = opA.segment();
    this.b = opB.segment();
    this.c = c.segment();
    this.aOffsets = batchOffsets(opA, batch);
    this.bOffsets = batchOffsets(opB, batch);
    this.cOffsets = batchOffsets(c, batch);
    this.aRowStride = opA.stride(-2);
    this.aColStride = opA.stride(-1);
    this.bRowStride = opB.stride(-2);
    this.bColStride = opB.stride(-1);
    this.cRowStride = c.stride(-2);
    this.cColStride = c.stride(-1);
  }

  /**
   * Validates and resolves {@code C = alpha * op(A) * op(B) + beta * C}.
   *
   * @throws IllegalArgumentException on any shape mismatch, a broadcast or overlapping output
   * @throws IllegalStateException if a tensor's scope is closed
   */
  public static GemmProblem of(Tensor a, Transpose transA, Tensor b, Transpose transB, Tensor c) {
    for (Tensor t : new Tensor[] {a, b, c}) {
      t.checkAlive();
      if (t.rank() < 2) {
        throw new IllegalArgumentException("GEMM operands need rank >= 2; got A " + a.shape() + ", B " + b.shape() + ", C " + c.shape());
      }
    }
    Tensor opA = transA == Transpose.TRANSPOSE ? a.transpose() : a;
    Tensor opB = transB == Transpose.TRANSPOSE ? b.transpose() : b;
    int m = c.dim(-2);
    int n = c.dim(-1);
    int k = opA.dim(-1);
    if (opA.dim(-2) != m || opB.dim(-2) != k || opB.dim(-1) != n) {
      throw new IllegalArgumentException("GEMM shape mismatch: op(A) " + opA.shape() + " x op(B) " + opB.shape() + " -> C " + c.shape()
          + " (A " + a.shape() + " " + transA + ", B " + b.shape() + " " + transB + ")");
    }
    Shape batchShape = c.shape().sub(0, c.rank() - 2);
    opA = broadcast(opA, batchShape, "A", c);
    opB = broadcast(opB, batchShape, "B", c);
    KernelChecks.writable("GEMM output C", c);
    KernelChecks.disjoint("GEMM", c, "C", a, "A");
    KernelChecks.disjoint("GEMM", c, "C", b, "B");
    return new GemmProblem(opA, opB, c, Math.toIntExact(batchShape.size()));
  }

  private static Tensor broadcast(Tensor op, Shape batchShape, String name, Tensor c) {
    try {
      return op.expand(batchShape.concat(op.shape().sub(op.rank() - 2, op.rank())));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("GEMM batch axes of " + name + " " + op.shape() + " do not broadcast to C " + c.shape(), e);
    }
  }

  private static long[] batchOffsets(Tensor t, int batch) {
    long[] out = new long[batch];
    int batchRank = t.rank() - 2;
    for (int i = 0; i < batch; i++) {
      long rest = i;
      long off = 0;
      for (int ax = batchRank - 1; ax >= 0; ax--) {
        int d = t.dim(ax);
        off += (rest % d) * t.stride(ax);
        rest /= d;
      }
      out[i] = off;
    }
    return out;
  }

  /** Number of independent products. */
  public int batch() {
    return batch;
  }

  /** Rows of {@code op(A)} and {@code C}. */
  public int m() {
    return m;
  }

  /** Columns of {@code op(B)} and {@code C}. */
  public int n() {
    return n;
  }

  /** Columns of {@code op(A)}, rows of {@code op(B)}. */
  public int k() {
    return k;
  }

  /** Memory of {@code A}, spanning exactly the addressed elements. */
  public MemorySegment a() {
    return a;
  }

  /** Memory of {@code B}. */
  public MemorySegment b() {
    return b;
  }

  /** Memory of {@code C}. */
  public MemorySegment c() {
    return c;
  }

  /** Element offset of batch entry {@code i} of {@code A} in {@link #a()}. */
  public long aOffset(int i) {
    return aOffsets[i];
  }

  /** Element offset of batch entry {@code i} of {@code B} in {@link #b()}. */
  public long bOffset(int i) {
    return bOffsets[i];
  }

  /** Element offset of batch entry {@code i} of {@code C} in {@link #c()}. */
  public long cOffset(int i) {
    return cOffsets[i];
  }

  /** Stride between rows of {@code op(A)} ({@code [m, k]}). */
  public long aRowStride() {
    return aRowStride;
  }

  /** Stride between columns of {@code op(A)}. */
  public long aColStride() {
    return aColStride;
  }

  /** Stride between rows of {@code op(B)} ({@code [k, n]}). */
  public long bRowStride() {
    return bRowStride;
  }

  /** Stride between columns of {@code op(B)}. */
  public long bColStride() {
    return bColStride;
  }

  /** Stride between rows of {@code C}. */
  public long cRowStride() {
    return cRowStride;
  }

  /** Stride between columns of {@code C}. */
  public long cColStride() {
    return cColStride;
  }

  /** Floating-point operations of the product ({@code 2 * batch * m * n * k}). */
  public double flops() {
    return 2.0 * batch * m * n * k;
  }

  @Override
  public String toString() {
    return "GEMM(batch=" + batch + ",m=" + m + ",n=" + n + ",k=" + k + ")";
  }
}
