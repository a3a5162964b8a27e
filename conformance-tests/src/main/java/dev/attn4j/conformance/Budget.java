package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison against a float64 oracle with a per-element error budget. A failure names the case,
 * the worst element, the expected and actual values, the error and the budget there. Static functions without
 * state: thread-safe.
 */
public final class Budget {
  private Budget() {}

  /** A per-element bound. */
  @FunctionalInterface
  public interface Bound {
    double at(int i);
  }

  /**
   * Asserts {@code |actual[i] - expected[i]| <= bound(i)} for all i, and that NaN/Inf positions agree. The errors
   * also go into the running case's statistics (max abs, max rel, NMSE) when a {@link ConformanceRunner} runs it.
   */
  public static void check(String what, double[] expected, float[] actual, Bound bound) {
    Metrics metrics = Metrics.current();
    if (metrics != null) {
      metrics.add(expected, actual);
    }
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " values, got " + actual.length);
    }
    int worst = -1;
    double worstRatio = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) != Double.isNaN(a) || (Double.isInfinite(e) && e != a)) {
        fail(what + ": at element " + i + " expected " + e + " but got " + a);
      }
      if (Double.isNaN(e) || Double.isInfinite(e)) {
        continue;
      }
      double err = Math.abs(a - e);
      double b = bound.at(i);
      double ratio = err / b;
      if (Float.isNaN(actual[i]) || ratio > worstRatio) {
        worstRatio = Float.isNaN(actual[i]) ? Double.POSITIVE_INFINITY : ratio;
        worst = i;
      }
    }
    if (worstRatio > 1) {
      double err = Math.abs(actual[worst] - expected[worst]);
      fail(String.format("%s: element %d expected %.9g but got %.9g; error %.3g exceeds the budget %.3g by %.1fx",
          what, worst, expected[worst], actual[worst], err, bound.at(worst), worstRatio));
    }
  }

  /** {@link #check} with one absolute bound for every element. */
  public static void within(String what, double[] expected, float[] actual, double bound) {
    check(what, expected, actual, i -> bound);
  }
}
