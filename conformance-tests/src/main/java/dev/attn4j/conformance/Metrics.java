package dev.attn4j.conformance;

/**
 * Error statistics of one conformance case, summed over every comparison the case makes: largest absolute and
 * relative error and normalized mean squared error. The runner installs one per case on the running thread;
 * {@link Budget} adds to it. Not thread-safe: a case's comparisons run on the thread that runs the case.
 */
final class Metrics {
  private static final ThreadLocal<Metrics> CURRENT = new ThreadLocal<>();

  private double maxAbs;
  private double maxRel;
  private double squaredError;
  private double squaredReference;
  private long compared;
  private String note = "";

  /** The metrics of the case running on this thread, or null outside a runner. */
  static Metrics current() {
    return CURRENT.get();
  }

  /** Installs fresh metrics for a case on this thread and returns them. */
  static Metrics begin() {
    Metrics m = new Metrics();
    CURRENT.set(m);
    return m;
  }

  static void end() {
    CURRENT.remove();
  }

  /**
   * Adds one comparison. The relative error of an element is taken against {@code max(|expected|, floor)}, the
   * floor being 1e-3 of the largest |expected| of the comparison, so references near zero do not dominate it.
   */
  void add(double[] expected, float[] actual) {
    double largest = 0;
    for (double e : expected) {
      if (Double.isFinite(e)) {
        largest = Math.max(largest, Math.abs(e));
      }
    }
    double floor = Math.max(1e-3 * largest, Double.MIN_NORMAL);
    for (int i = 0; i < expected.length && i < actual.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) && Double.isNaN(a) || Double.isInfinite(e) && e == a) {
        continue;
      }
      double err = Math.abs(a - e);
      if (Double.isNaN(err)) {
        err = Double.POSITIVE_INFINITY;
      }
      maxAbs = Math.max(maxAbs, err);
      maxRel = Math.max(maxRel, err / Math.max(Math.abs(e), floor));
      squaredError += err * err;
      squaredReference += Double.isFinite(e) ? e * e : 0;
      compared++;
    }
  }

  double maxAbs() {
    return maxAbs;
  }

  double maxRel() {
    return maxRel;
  }

  /** {@code sum (a - e)^2 / sum e^2}; 0 when nothing was compared, and the squared error itself when every reference is 0. */
  double nmse() {
    return squaredReference == 0 ? squaredError : squaredError / squaredReference;
  }

  long compared() {
    return compared;
  }

  /** A remark the case reports even when it passes. */
  void note(String text) {
    note = text;
  }

  String note() {
    return note;
  }
}
