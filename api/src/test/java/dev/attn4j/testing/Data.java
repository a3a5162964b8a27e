package dev.attn4j.testing;

import java.util.SplittableRandom;

/** Seeded random test data; the seed goes into every failure message through the case name. */
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
}
