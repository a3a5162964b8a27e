package dev.attn4j.conformance;

/**
 * Float64 reference implementations, written for clarity and independent of every kernel under test.
 * Matrices are row-major {@code double[]} with explicit dimensions. Static functions without state: thread-safe.
 */
public final class Oracle {
  /** Unit roundoff of float32: 2^-24. */
  public static final double U = Math.ulp(1f) / 2;

  private Oracle() {}

  /** {@code C[m,n] = A[m,k] * B[k,n]} in double. */
  public static double[] matmul(double[] a, double[] b, int m, int n, int k) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        double av = a[i * k + p];
        for (int j = 0; j < n; j++) {
          c[i * n + j] += av * b[p * n + j];
        }
      }
    }
    return c;
  }

  /** The transpose of {@code a[rows, cols]}. */
  public static double[] transpose(double[] a, int rows, int cols) {
    double[] t = new double[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  /** Element-wise absolute values. */
  public static double[] abs(double[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = Math.abs(a[i]);
    }
    return r;
  }

  /** Softmax of {@code scale * x + mask} over rows of length {@code n}; all-masked rows give zeros. */
  public static double[] softmax(double[] x, double[] mask, int n, double scale) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / n; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        max = Math.max(max, logit(x, mask, r * n + j, scale));
      }
      if (max == Double.NEGATIVE_INFINITY) {
        continue;
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += Math.exp(logit(x, mask, r * n + j, scale) - max);
      }
      for (int j = 0; j < n; j++) {
        y[r * n + j] = Math.exp(logit(x, mask, r * n + j, scale) - max) / sum;
      }
    }
    return y;
  }

  private static double logit(double[] x, double[] mask, int i, double scale) {
    return scale * x[i] + (mask == null ? 0 : mask[i]);
  }

  /** Layer norm over rows of length {@code n} (biased variance). */
  public static double[] layerNorm(double[] x, double[] g, double[] b, int n, double eps) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / n; r++) {
      double mean = 0;
      for (int j = 0; j < n; j++) {
        mean += x[r * n + j];
      }
      mean /= n;
      double var = 0;
      for (int j = 0; j < n; j++) {
        double d = x[r * n + j] - mean;
        var += d * d;
      }
      var /= n;
      double inv = 1 / Math.sqrt(var + eps);
      for (int j = 0; j < n; j++) {
        y[r * n + j] = (x[r * n + j] - mean) * inv * g[j] + b[j];
      }
    }
    return y;
  }

  /** Exact GELU, {@code x * Phi(x)}, with erf from its Taylor series / continued fraction (independent of the kernels' fit). */
  public static double gelu(double x) {
    return 0.5 * x * erfc(-x / Math.sqrt(2));
  }

  /** tanh-approximated GELU. */
  public static double geluTanh(double x) {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  /**
   * erfc to near double precision: the Maclaurin series of erf for |z| < 2.5, a Lentz continued fraction for
   * erfc beyond (both converge quickly there).
   */
  public static double erfc(double z) {
    if (z < 0) {
      return 2 - erfc(-z);
    }
    if (z < 2.5) {
      double sum = 0;
      double term = z;
      for (int n = 0; n < 200; n++) {
        double t = term / (2 * n + 1);
        sum += t;
        if (Math.abs(t) < 1e-18 * Math.abs(sum)) {
          break;
        }
        term *= -z * z / (n + 1);
      }
      return 1 - 2 / Math.sqrt(Math.PI) * sum;
    }
    // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + 2/(z + ...)))))
    double f = z;
    for (int k = 60; k >= 1; k--) {
      f = z + (k / 2.0) / f;
    }
    return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }

  /**
   * Attention for one batch entry: {@code softmax(scale * q k^T + mask) v}; {@code probsOut} (may be null)
   * receives the probabilities.
   */
  public static double[] attention(double[] q, double[] k, double[] v, double[] mask, int sq, int sk, int d, int dv, double scale,
      double[] probsOut) {
    double[] scores = matmul(q, transpose(k, sk, d), sq, sk, d);
    double[] p = softmax(scores, mask, sk, scale);
    if (probsOut != null) {
      System.arraycopy(p, 0, probsOut, 0, p.length);
    }
    return matmul(p, v, sq, dv, sk);
  }

  /** Converts to double. */
  public static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
