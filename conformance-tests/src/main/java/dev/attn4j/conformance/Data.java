package dev.attn4j.conformance;

import java.util.SplittableRandom;

/**
 * Seeded random test data; the seed goes into every failure message through the case name. Static functions, each
 * call with its own generator: thread-safe.
 */
public final class Data {
  private Data() {}

  /** Uniform values in {@code [-1, 1)}. */
  public static float[] uniform(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (2 * r.nextDouble() - 1);
    }
    return a;
  }

  /** Uniform values in {@code [lo, hi)}. */
  public static float[] uniform(long seed, int n, double lo, double hi) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return a;
  }

  /** The transpose of {@code a[rows, cols]}. */
  public static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  /** {@code n} NaNs: poison for output buffers, so an unwritten element cannot pass. */
  public static float[] nans(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, Float.NaN);
    return a;
  }

  /** Block {@code index} of {@code len} values. */
  public static float[] slice(float[] a, int index, int len) {
    return java.util.Arrays.copyOfRange(a, index * len, (index + 1) * len);
  }

  /** The arrays one after another. */
  public static float[] concat(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] r = new float[n];
    int o = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, r, o, p.length);
      o += p.length;
    }
    return r;
  }
}
