package dev.attn4j.internal.reference;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Activation;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Portable scalar kernels behind the {@link dev.attn4j.spi.Backend} default methods, and backend-java's
 * scalar path. Row functions take a segment, an element offset and an element stride, so any view works.
 * Reductions accumulate in double: these are the reference, and they are not on a hot path once a
 * backend vectorizes. Stateless and thread-safe; arguments are assumed to be validated by
 * {@link dev.attn4j.spi.KernelChecks}.
 */
public final class ReferenceKernels {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  private ReferenceKernels() {}

  /** Visits the rows of a tensor: {@code (rowIndex, elementOffsetInSegment)}. */
  @FunctionalInterface
  public interface RowVisitor {
    void row(long row, long offset);
  }

  /** Calls {@code visitor} for rows {@code [from, to)} of {@code t}. */
  public static void forRows(Tensor t, long from, long to, RowVisitor visitor) {
    for (long r = from; r < to; r++) {
      visitor.row(r, t.rowOffset(r));
    }
  }

  /** {@code x += y} over one row. */
  public static void addRow(MemorySegment x, long xo, long xs, MemorySegment y, long yo, long ys, int n) {
    for (int i = 0; i < n; i++) {
      long xi = xo + i * xs;
      x.setAtIndex(F32, xi, x.getAtIndex(F32, xi) + y.getAtIndex(F32, yo + i * ys));
    }
  }

  /** In-place activation over one row. */
  public static void activateRow(MemorySegment x, long xo, long xs, int n, Activation act) {
    if (act == Activation.IDENTITY) {
      return;
    }
    for (int i = 0; i < n; i++) {
      long xi = xo + i * xs;
      x.setAtIndex(F32, xi, activate(x.getAtIndex(F32, xi), act));
    }
  }

  /** One activation value, computed in double. */
  public static float activate(float v, Activation act) {
    return switch (act) {
      case IDENTITY -> v;
      case RELU -> v > 0 || Float.isNaN(v) ? v : 0f;
      case GELU -> (float) gelu(v);
      case GELU_TANH -> (float) (0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * (double) v * v * v))));
    };
  }

  /**
   * Exact GELU in double, {@code x * Phi(x)}. Phi comes from {@link #erfc}, so the result keeps its
   * relative accuracy in the far negative tail where {@code 1 + erf} would cancel.
   */
  public static double gelu(double x) {
    double z = x * SQRT_HALF;
    return z >= 0 ? x * (1 - 0.5 * erfc(z)) : 0.5 * x * erfc(-z);
  }

  /**
   * Complementary error function for {@code z >= 0}, relative error below 1.2e-7 everywhere: the Chebyshev
   * fit of Press et al., Numerical Recipes (2nd ed.) section 6.2, {@code t * exp(-z^2 + P(t))},
   * {@code t = 1 / (1 + z/2)}. Enough for float32, and a single exp keeps it cheap to vectorize.
   */
  public static double erfc(double z) {
    double t = 1 / (1 + 0.5 * z);
    double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return t * Math.exp(-z * z + p);
  }

  /**
   * In-place softmax of {@code scale * x + mask} over one row. A row whose every entry is {@code -inf}
   * (all keys masked) becomes all zeros: it attends to nothing, and no NaN is produced.
   */
  public static void softmaxRow(MemorySegment x, long xo, long xs, int n, float scale, MemorySegment mask, long mo, long ms) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = logit(x, xo + i * xs, scale, mask, mo + i * ms);
      max = Math.max(max, v); // Math.max propagates NaN
    }
    if (max == Float.NEGATIVE_INFINITY) {
      for (int i = 0; i < n; i++) {
        x.setAtIndex(F32, xo + i * xs, 0f);
      }
      return;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(logit(x, xo + i * xs, scale, mask, mo + i * ms) - max);
      x.setAtIndex(F32, xo + i * xs, e);
      sum += e;
    }
    float inv = (float) (1 / sum);
    for (int i = 0; i < n; i++) {
      long xi = xo + i * xs;
      x.setAtIndex(F32, xi, x.getAtIndex(F32, xi) * inv);
    }
  }

  private static float logit(MemorySegment x, long xi, float scale, MemorySegment mask, long mi) {
    float v = scale * x.getAtIndex(F32, xi);
    return mask == null ? v : v + mask.getAtIndex(F32, mi);
  }

  /** In-place layer normalization over one row: {@code (x - mean) / sqrt(var + eps) * gamma + beta}. */
  public static void layerNormRow(MemorySegment x, long xo, long xs, int n, MemorySegment g, long go, long gs, MemorySegment b,
      long bo, long bs, float eps) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += x.getAtIndex(F32, xo + i * xs);
    }
    double mean = sum / n;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double d = x.getAtIndex(F32, xo + i * xs) - mean;
      sq += d * d;
    }
    double inv = 1 / Math.sqrt(sq / n + eps);
    for (int i = 0; i < n; i++) {
      long xi = xo + i * xs;
      double y = (x.getAtIndex(F32, xi) - mean) * inv * g.getAtIndex(F32, go + i * gs) + b.getAtIndex(F32, bo + i * bs);
      x.setAtIndex(F32, xi, (float) y);
    }
  }

  // ---- whole-tensor forms used by the Backend default methods ----------------------------------

  /** {@code x[..., n] += bias[n]}. */
  public static void addBias(Tensor x, Tensor bias) {
    MemorySegment xs = x.segment();
    MemorySegment bs = bias.segment();
    int n = x.dim(-1);
    long cs = x.stride(-1);
    long bstride = bias.stride(0);
    forRows(x, 0, x.rows(), (r, off) -> addRow(xs, off, cs, bs, 0, bstride, n));
  }

  /** {@code x += y}. */
  public static void add(Tensor x, Tensor y) {
    if (x.rank() == 0) {
      x.set(x.get() + y.get());
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment ys = y.segment();
    int n = x.dim(-1);
    long xc = x.stride(-1);
    long yc = y.stride(-1);
    forRows(x, 0, x.rows(), (r, off) -> addRow(xs, off, xc, ys, y.rowOffset(r), yc, n));
  }

  /** In-place activation. */
  public static void activate(Tensor x, Activation act) {
    if (x.rank() == 0) {
      x.set(activate(x.get(), act));
      return;
    }
    MemorySegment xs = x.segment();
    int n = x.dim(-1);
    long xc = x.stride(-1);
    forRows(x, 0, x.rows(), (r, off) -> activateRow(xs, off, xc, n, act));
  }

  /** In-place softmax over the last axis. */
  public static void softmax(Tensor x, float scale, Tensor mask) {
    MemorySegment xs = x.segment();
    int n = x.dim(-1);
    long xc = x.stride(-1);
    Tensor m = mask == null ? null : mask.expand(x.shape());
    MemorySegment ms = m == null ? null : m.segment();
    long mc = m == null ? 0 : m.stride(-1);
    forRows(x, 0, x.rows(), (r, off) -> softmaxRow(xs, off, xc, n, scale, ms, m == null ? 0 : m.rowOffset(r), mc));
  }

  /** In-place layer normalization over the last axis. */
  public static void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    MemorySegment xs = x.segment();
    MemorySegment gs = gamma.segment();
    MemorySegment bs = beta.segment();
    int n = x.dim(-1);
    long xc = x.stride(-1);
    forRows(x, 0, x.rows(), (r, off) -> layerNormRow(xs, off, xc, n, gs, 0, gamma.stride(0), bs, 0, beta.stride(0), eps));
  }
}
