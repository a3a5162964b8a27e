package dev.attn4j.backend.java.kernels;

import dev.attn4j.spi.Activation;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API, at the CPU's preferred width. Loaded only by
 * {@link KernelProvider} after it has checked that {@code jdk.incubator.vector} is present.
 */
final class VectorKernels extends KernelProvider {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /**
   * An 8 x 2L register tile: 16 accumulators + 2 B vectors + 1 broadcast fit the 32 vector registers of
   * AVX-512 without spills, and 16 independent FMA chains cover the FMA latency on two pipes.
   */
  private static final int MR = 8;
  private static final int NR = 2 * L;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final float SQRT_HALF = (float) Math.sqrt(0.5);
  private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

  VectorKernels() {}

  @Override
  public String name() {
    return "Vector API, " + L + " x f32";
  }

  @Override
  public boolean vectorized() {
    return true;
  }

  @Override
  public int lanes() {
    return L;
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
    FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
    FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
    FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
    FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
    FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
    FloatVector av;
    for (int p = 0; p < kc; p++) {
      int ap = ao + p * MR;
      int bp = bo + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      av = FloatVector.broadcast(S, a[ap + 0]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(S, a[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(S, a[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(S, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(S, a[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(S, a[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(S, a[ap + 6]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(S, a[ap + 7]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
    }
    c00.intoArray(tile, 0 * NR);
    c01.intoArray(tile, 0 * NR + L);
    c10.intoArray(tile, 1 * NR);
    c11.intoArray(tile, 1 * NR + L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + L);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + L);
    c60.intoArray(tile, 6 * NR);
    c61.intoArray(tile, 6 * NR + L);
    c70.intoArray(tile, 7 * NR);
    c71.intoArray(tile, 7 * NR + L);
  }

  @Override
  public void storeTile(float[] tile, MemorySegment c, long cOff, long cRs, long cCs, int rows, int cols, float alpha, float beta) {
    if (cCs != 1 || cols != NR) {
      storeTileScalar(tile, NR, c, cOff, cRs, cCs, rows, cols, alpha, beta);
      return;
    }
    for (int i = 0; i < rows; i++) {
      long row = (cOff + i * cRs) * Float.BYTES;
      for (int j = 0; j < NR; j += L) {
        long o = row + (long) j * Float.BYTES;
        FloatVector r = FloatVector.fromArray(S, tile, i * NR + j);
        r = alpha == 1f ? r : r.mul(alpha);
        if (beta != 0) {
          r = FloatVector.fromMemorySegment(S, c, o, LE).fma(FloatVector.broadcast(S, beta), r);
        }
        r.intoMemorySegment(c, o, LE);
      }
    }
  }

  @Override
  public void addRow(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
    long xb = xo * Float.BYTES;
    long yb = yo * Float.BYTES;
    int i = 0;
    for (; i <= n - L; i += L) {
      long d = (long) i * Float.BYTES;
      FloatVector.fromMemorySegment(S, x, xb + d, LE).add(FloatVector.fromMemorySegment(S, y, yb + d, LE)).intoMemorySegment(x, xb + d, LE);
    }
    for (; i < n; i++) {
      x.setAtIndex(Layouts.F32, xo + i, x.getAtIndex(Layouts.F32, xo + i) + y.getAtIndex(Layouts.F32, yo + i));
    }
  }

  @Override
  public void biasActivateRow(MemorySegment x, long xo, MemorySegment bias, long bo, int n, Activation act) {
    // Full vectors first and one masked tail: with every lane masked inside the loop, C2's code ran this pass 3-5x
    // slower (GELU over [128, 1536]: ~450 us on 2 threads, ~125-250 us now).
    long xb = xo * Float.BYTES;
    long bb = bo * Float.BYTES;
    if (act == Activation.IDENTITY) {
      addBiasRow(x, xb, bias, bb, n);
    } else {
      activateRow(x, xb, bias, bb, n, act);
    }
  }

  private static void addBiasRow(MemorySegment x, long xb, MemorySegment bias, long bb, int n) {
    if (bias == null) {
      return;
    }
    int i = 0;
    for (; i <= n - L; i += L) {
      long d = (long) i * Float.BYTES;
      FloatVector.fromMemorySegment(S, x, xb + d, LE).add(FloatVector.fromMemorySegment(S, bias, bb + d, LE)).intoMemorySegment(x, xb + d, LE);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      long d = (long) i * Float.BYTES;
      FloatVector.fromMemorySegment(S, x, xb + d, LE, m).add(FloatVector.fromMemorySegment(S, bias, bb + d, LE, m)).intoMemorySegment(x, xb + d, LE, m);
    }
  }

  private static void activateRow(MemorySegment x, long xb, MemorySegment bias, long bb, int n, Activation act) {
    int i = 0;
    for (; i <= n - L; i += L) {
      long d = (long) i * Float.BYTES;
      FloatVector v = FloatVector.fromMemorySegment(S, x, xb + d, LE);
      if (bias != null) {
        v = v.add(FloatVector.fromMemorySegment(S, bias, bb + d, LE));
      }
      activate(v, act).intoMemorySegment(x, xb + d, LE);
    }
    if (i < n) {
      activateTail(x, xb, bias, bb, i, n, act);
    }
  }

  /** The last partial vector, masked: the activation keeps one implementation for every lane. */
  private static void activateTail(MemorySegment x, long xb, MemorySegment bias, long bb, int i, int n, Activation act) {
    VectorMask<Float> m = S.indexInRange(i, n);
    long d = (long) i * Float.BYTES;
    FloatVector v = FloatVector.fromMemorySegment(S, x, xb + d, LE, m);
    if (bias != null) {
      v = v.add(FloatVector.fromMemorySegment(S, bias, bb + d, LE, m));
    }
    activate(v, act).intoMemorySegment(x, xb + d, LE, m);
  }

  private static FloatVector activate(FloatVector x, Activation act) {
    return switch (act) {
      case IDENTITY -> x;
      case RELU -> x.lanewise(VectorOperators.MAX, 0f).blend(x, x.test(VectorOperators.IS_NAN));
      case GELU -> gelu(x);
      case GELU_TANH -> {
        FloatVector inner = x.mul(x).mul(0.044715f).fma(x, x).mul(SQRT_2_OVER_PI);
        yield VectorMath.tanh(inner).add(1f).mul(x).mul(0.5f);
      }
    };
  }

  /** {@code x * Phi(x)} with Phi from the same erfc fit as the reference (one exp per lane). */
  private static FloatVector gelu(FloatVector x) {
    FloatVector z = x.mul(SQRT_HALF).abs();
    FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
    FloatVector p = t.fma(0.17087277f, -0.82215223f);
    p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
    p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
    p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
    p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
    p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
    p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
    p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
    p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
    FloatVector erfc = VectorMath.exp(z.mul(z).neg().add(p)).mul(t);
    // x >= 0: x * (1 - erfc/2); x < 0: x * erfc/2.
    FloatVector half = erfc.mul(0.5f);
    FloatVector phi = half.neg().add(1f).blend(half, x.lt(0f));
    return x.mul(phi);
  }

  @Override
  public void softmaxRow(MemorySegment x, long xo, int n, float scale, MemorySegment mask, long mo) {
    long xb = xo * Float.BYTES;
    long mb = mo * Float.BYTES;
    FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < n; i += L) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector v = logits(x, xb, mask, mb, i, scale, m);
      vmax = vmax.lanewise(VectorOperators.MAX, v, m);
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    if (max == Float.NEGATIVE_INFINITY) {
      for (int i = 0; i < n; i += L) {
        FloatVector.zero(S).intoMemorySegment(x, xb + (long) i * Float.BYTES, LE, S.indexInRange(i, n));
      }
      return;
    }
    FloatVector vsum = FloatVector.zero(S);
    for (int i = 0; i < n; i += L) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector e = VectorMath.exp(logits(x, xb, mask, mb, i, scale, m).sub(max));
      vsum = vsum.add(e, m);
      e.intoMemorySegment(x, xb + (long) i * Float.BYTES, LE, m);
    }
    float inv = 1f / VectorMath.sum(vsum);
    for (int i = 0; i < n; i += L) {
      VectorMask<Float> m = S.indexInRange(i, n);
      long d = xb + (long) i * Float.BYTES;
      FloatVector.fromMemorySegment(S, x, d, LE, m).mul(inv).intoMemorySegment(x, d, LE, m);
    }
  }

  private static FloatVector logits(MemorySegment x, long xb, MemorySegment mask, long mb, int i, float scale, VectorMask<Float> m) {
    long d = (long) i * Float.BYTES;
    FloatVector v = FloatVector.fromMemorySegment(S, x, xb + d, LE, m).mul(scale);
    return mask == null ? v : v.add(FloatVector.fromMemorySegment(S, mask, mb + d, LE, m));
  }

  @Override
  public void softmaxScores(float[] x, int xo, int n, float scale, MemorySegment mask, long mo) {
    float max = scaleMaskMax(x, xo, n, scale, mask, mo * Float.BYTES);
    if (max == Float.NEGATIVE_INFINITY) {
      java.util.Arrays.fill(x, xo, xo + n, 0f);
      return;
    }
    float inv = 1f / expSum(x, xo, n, max);
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector.fromArray(S, x, xo + i).mul(inv).intoArray(x, xo + i);
    }
    for (; i < n; i++) {
      x[xo + i] *= inv;
    }
  }

  @Override
  public void vecMatRows(float[] a, int lda, int len, float[] b, int ldb, int n, float[] out, int ldo) {
    int j = 0;
    for (; j <= n - 2 * L; j += 2 * L) {
      vecMatRows2(a, lda, len, b, ldb, j, out, ldo);
    }
    for (; j <= n - L; j += L) {
      vecMatRows1(a, lda, len, b, ldb, j, out, ldo);
    }
    vecMatRowsScalar(a, lda, len, b, ldb, j, n, out, ldo);
  }

  /** Two vectors of columns for all four rows: eight accumulators, two loads of {@code b} per step of {@code t}. */
  private static void vecMatRows2(float[] a, int lda, int len, float[] b, int ldb, int j, float[] out, int ldo) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S);
    FloatVector c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S);
    FloatVector c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S);
    FloatVector c31 = FloatVector.zero(S);
    for (int t = 0; t < len; t++) {
      int r = t * ldb + j;
      FloatVector b0 = FloatVector.fromArray(S, b, r);
      FloatVector b1 = FloatVector.fromArray(S, b, r + L);
      FloatVector av = FloatVector.broadcast(S, a[t]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(S, a[lda + t]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(S, a[2 * lda + t]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(S, a[3 * lda + t]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    c00.intoArray(out, j);
    c01.intoArray(out, j + L);
    c10.intoArray(out, ldo + j);
    c11.intoArray(out, ldo + j + L);
    c20.intoArray(out, 2 * ldo + j);
    c21.intoArray(out, 2 * ldo + j + L);
    c30.intoArray(out, 3 * ldo + j);
    c31.intoArray(out, 3 * ldo + j + L);
  }

  private static void vecMatRows1(float[] a, int lda, int len, float[] b, int ldb, int j, float[] out, int ldo) {
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = FloatVector.zero(S);
    FloatVector c2 = FloatVector.zero(S);
    FloatVector c3 = FloatVector.zero(S);
    for (int t = 0; t < len; t++) {
      FloatVector bv = FloatVector.fromArray(S, b, t * ldb + j);
      c0 = FloatVector.broadcast(S, a[t]).fma(bv, c0);
      c1 = FloatVector.broadcast(S, a[lda + t]).fma(bv, c1);
      c2 = FloatVector.broadcast(S, a[2 * lda + t]).fma(bv, c2);
      c3 = FloatVector.broadcast(S, a[3 * lda + t]).fma(bv, c3);
    }
    c0.intoArray(out, j);
    c1.intoArray(out, ldo + j);
    c2.intoArray(out, 2 * ldo + j);
    c3.intoArray(out, 3 * ldo + j);
  }

  /** {@code x = scale * x + mask} in place; returns the maximum (NaN-propagating like the lanes' MAX). */
  private static float scaleMaskMax(float[] x, int xo, int n, float scale, MemorySegment mask, long mb) {
    FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i).mul(scale);
      if (mask != null) {
        v = v.add(FloatVector.fromMemorySegment(S, mask, mb + (long) i * Float.BYTES, LE));
      }
      v.intoArray(x, xo + i);
      vmax = vmax.lanewise(VectorOperators.MAX, v);
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      float v = x[xo + i] * scale + (mask == null ? 0f : mask.getAtIndex(Layouts.F32, mb / Float.BYTES + i));
      x[xo + i] = v;
      max = Float.isNaN(v) || Float.isNaN(max) ? Float.NaN : Math.max(max, v);
    }
    return max;
  }

  /** {@code x = exp(x - max)} in place; returns the sum, in a fixed order. */
  private static float expSum(float[] x, int xo, int n, float max) {
    FloatVector vsum = FloatVector.zero(S);
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xo + i).sub(max));
      vsum = vsum.add(e);
      e.intoArray(x, xo + i);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xo + i, m).sub(max));
      vsum = vsum.add(e, m);
      e.intoArray(x, xo + i, m);
    }
    return VectorMath.sum(vsum);
  }

  @Override
  public void layerNormRow(MemorySegment x, long xo, int n, MemorySegment g, long go, MemorySegment b, long bo, float eps) {
    // Three small methods rather than one: as a single method C1 ran out of virtual registers compiling it,
    // HotSpot never promoted it to C2, and every vector op stayed an allocated object (0.1-1 ms per call
    // instead of ~25 us). Keep each pass small enough for both compilers.
    long xb = xo * Float.BYTES;
    float mean = rowSum(x, xb, n) / n;
    // Two passes (mean, then squared deviations): no cancellation when |mean| >> stddev.
    float inv = (float) (1 / Math.sqrt((double) squaredDeviations(x, xb, n, mean) / n + eps));
    normalize(x, xb, n, mean, inv, g, go * Float.BYTES, b, bo * Float.BYTES);
  }

  private static float rowSum(MemorySegment x, long xb, int n) {
    FloatVector vs = FloatVector.zero(S);
    int i = 0;
    for (; i <= n - L; i += L) {
      vs = vs.add(FloatVector.fromMemorySegment(S, x, xb + (long) i * Float.BYTES, LE));
    }
    if (i < n) {
      vs = vs.add(FloatVector.fromMemorySegment(S, x, xb + (long) i * Float.BYTES, LE, S.indexInRange(i, n)));
    }
    return VectorMath.sum(vs);
  }

  private static float squaredDeviations(MemorySegment x, long xb, int n, float mean) {
    FloatVector vq = FloatVector.zero(S);
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector d = FloatVector.fromMemorySegment(S, x, xb + (long) i * Float.BYTES, LE).sub(mean);
      vq = d.fma(d, vq);
    }
    if (i < n) {
      // Masked-off lanes load as 0 and would contribute mean^2: zero them after the subtraction.
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector d = FloatVector.fromMemorySegment(S, x, xb + (long) i * Float.BYTES, LE, m).sub(mean);
      d = FloatVector.zero(S).blend(d, m);
      vq = d.fma(d, vq);
    }
    return VectorMath.sum(vq);
  }

  private static void normalize(MemorySegment x, long xb, int n, float mean, float inv, MemorySegment g, long gb, MemorySegment b,
      long bb) {
    int i = 0;
    for (; i <= n - L; i += L) {
      long d = (long) i * Float.BYTES;
      FloatVector v = FloatVector.fromMemorySegment(S, x, xb + d, LE).sub(mean).mul(inv);
      v.fma(FloatVector.fromMemorySegment(S, g, gb + d, LE), FloatVector.fromMemorySegment(S, b, bb + d, LE)).intoMemorySegment(x, xb + d, LE);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      long d = (long) i * Float.BYTES;
      FloatVector v = FloatVector.fromMemorySegment(S, x, xb + d, LE, m).sub(mean).mul(inv);
      v = v.fma(FloatVector.fromMemorySegment(S, g, gb + d, LE, m), FloatVector.fromMemorySegment(S, b, bb + d, LE, m));
      v.intoMemorySegment(x, xb + d, LE, m);
    }
  }
}
