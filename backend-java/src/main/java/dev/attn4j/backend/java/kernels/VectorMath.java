package dev.attn4j.backend.java.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, tanh and lane sums built only from IEEE-exact vector operations (add, mul, fma, compares, bit moves).
 *
 * <p>Why not {@code lanewise(EXP)}, {@code lanewise(TANH)} and {@code reduceLanes(ADD)}: the Vector API leaves their
 * results (ulp error, summation order) to the implementation, and HotSpot's interpreter and C2 differ, so a kernel's
 * bits changed once it was JIT-compiled: the conformance suite's repeat check caught a forward pass whose output
 * changed between the 20th and 21st run. These give the same bits in every execution tier. Stateless.
 */
final class VectorMath {
  private static final float LOG2E = 1.44269504088896341f;
  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude < 2^22 to an integer. */
  private static final float ROUND = 12582912f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  /** Below this exp underflows to the subnormal range; returning 0 there costs < 1.2e-38 absolute. */
  private static final float EXP_MIN = -87.33654f;
  private static final float EXP_MAX = 88.37626f;

  private VectorMath() {}

  /**
   * {@code e^x} per lane, within 2 ulp (Cephes' expf polynomial after a two-constant range reduction); 0 below
   * -87.34 (including -infinity), +infinity above 88.38, NaN for NaN.
   */
  static FloatVector exp(FloatVector x) {
    VectorSpecies<Float> s = x.species();
    FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
    FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);
    FloatVector r = n.neg().fma(FloatVector.broadcast(s, LN2_HI), c);
    r = n.neg().fma(FloatVector.broadcast(s, LN2_LO), r);
    FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
    p = p.fma(r, FloatVector.broadcast(s, 8.3334519073e-3f));
    p = p.fma(r, FloatVector.broadcast(s, 4.1665795894e-2f));
    p = p.fma(r, FloatVector.broadcast(s, 1.6666665459e-1f));
    p = p.fma(r, FloatVector.broadcast(s, 5.0000001201e-1f));
    FloatVector e = p.mul(r).fma(r, r).add(1f);
    IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
    FloatVector scaled = e.mul(bits.reinterpretAsFloats());
    VectorMask<Float> low = x.lt(EXP_MIN);
    VectorMask<Float> high = x.compare(VectorOperators.GT, EXP_MAX);
    return scaled.blend(0f, low).blend(Float.POSITIVE_INFINITY, high).blend(x, x.test(VectorOperators.IS_NAN));
  }

  /**
   * {@code tanh(x)} per lane as {@code sign(x) (1 - t) / (1 + t)}, {@code t = e^(-2|x|)}: absolute error a few u
   * (relative error grows as |x| shrinks below 1, which GELU's tanh form multiplies by |x| again).
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector t = exp(x.abs().mul(-2f));
    FloatVector mag = t.neg().add(1f).div(t.add(1f));
    return mag.blend(mag.neg(), x.lt(0f)).blend(x, x.test(VectorOperators.IS_NAN));
  }

  /** The sum of the lanes, lane 0 first: the same order (and bits) in every execution tier. */
  static float sum(FloatVector v) {
    float[] lanes = v.toArray();
    float s = 0;
    for (float f : lanes) {
      s += f;
    }
    return s;
  }
}
