package dev.attn4j.conformance;

/**
 * Float64 reference of multi-head attention and encoder layers, for one sequence {@code x [s, h]}.
 * Weights are Hugging Face style {@code [out, in]} row-major arrays. Static functions without state: thread-safe.
 */
public final class LayerOracle {
  private LayerOracle() {}

  /** Weights of one layer in double. */
  public record Weights(double[] wq, double[] bq, double[] wk, double[] bk, double[] wv, double[] bv, double[] wo, double[] bo,
      double[] g1, double[] b1, double[] wi, double[] bi, double[] w2, double[] b2, double[] g2, double[] b2n, int hidden, int ffn,
      int heads, double eps) {}

  /** {@code x W^T + b}. */
  public static double[] linear(double[] x, double[] w, double[] b, int rows, int in, int out) {
    double[] y = Oracle.matmul(x, Oracle.transpose(w, out, in), rows, out, in);
    for (int i = 0; i < y.length; i++) {
      y[i] += b[i % out];
    }
    return y;
  }

  /** Self-attention of one sequence; {@code keyMask[j]} is an additive mask row applied to every query (or null), causal optional. */
  public static double[] attention(Weights w, double[] x, int s, double[] keyMask, boolean causal, double[] probsOut) {
    int h = w.hidden();
    int hs = h / w.heads();
    double[] q = linear(x, w.wq(), w.bq(), s, h, h);
    double[] k = linear(x, w.wk(), w.bk(), s, h, h);
    double[] v = linear(x, w.wv(), w.bv(), s, h, h);
    double[] ctx = new double[s * h];
    for (int head = 0; head < w.heads(); head++) {
      double[] qh = columns(q, s, h, head * hs, hs);
      double[] kh = columns(k, s, h, head * hs, hs);
      double[] vh = columns(v, s, h, head * hs, hs);
      double[] mask = new double[s * s];
      for (int i = 0; i < s; i++) {
        for (int j = 0; j < s; j++) {
          mask[i * s + j] = (keyMask == null ? 0 : keyMask[j]) + (causal && j > i ? Double.NEGATIVE_INFINITY : 0);
        }
      }
      double[] p = new double[s * s];
      double[] o = Oracle.attention(qh, kh, vh, mask, s, s, hs, hs, 1 / Math.sqrt(hs), p);
      if (probsOut != null) {
        System.arraycopy(p, 0, probsOut, head * s * s, s * s);
      }
      for (int i = 0; i < s; i++) {
        System.arraycopy(o, i * hs, ctx, i * h + head * hs, hs);
      }
    }
    return linear(ctx, w.wo(), w.bo(), s, h, h);
  }

  /** A post-LN (BERT) or pre-LN encoder layer with exact GELU. */
  public static double[] layer(Weights w, double[] x, int s, double[] keyMask, boolean preNorm) {
    int h = w.hidden();
    if (!preNorm) {
      double[] a = attention(w, x, s, keyMask, false, null);
      double[] x1 = Oracle.layerNorm(add(a, x), w.g1(), w.b1(), h, w.eps());
      double[] f = linear(gelu(linear(x1, w.wi(), w.bi(), s, h, w.ffn())), w.w2(), w.b2(), s, w.ffn(), h);
      return Oracle.layerNorm(add(f, x1), w.g2(), w.b2n(), h, w.eps());
    }
    double[] a = attention(w, Oracle.layerNorm(x, w.g1(), w.b1(), h, w.eps()), s, keyMask, false, null);
    double[] x1 = add(a, x);
    double[] n2 = Oracle.layerNorm(x1, w.g2(), w.b2n(), h, w.eps());
    double[] f = linear(gelu(linear(n2, w.wi(), w.bi(), s, h, w.ffn())), w.w2(), w.b2(), s, w.ffn(), h);
    return add(f, x1);
  }

  private static double[] columns(double[] m, int rows, int cols, int from, int n) {
    double[] r = new double[rows * n];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(m, i * cols + from, r, i * n, n);
    }
    return r;
  }

  private static double[] add(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] + b[i];
    }
    return r;
  }

  private static double[] gelu(double[] a) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = Oracle.gelu(a[i]);
    }
    return r;
  }
}
