package dev.attn4j.models.heads;

import dev.attn4j.api.tensor.Tensor;

/**
 * Sentence embeddings from a last hidden state, as sentence-transformers computes them: mean or maximum over
 * the tokens whose attention mask is 1, or the {@code [CLS]} vector; then optionally L2-normalized (a zero
 * vector stays zero). Accumulates in double. Stateless and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public final class SentenceEmbeddings {
  private SentenceEmbeddings() {}

  /**
   * Pools {@code hidden [batch, seq, h]} into {@code [batch][h]}.
   *
   * @param attentionMask {@code [batch][seq]} 0/1
   * @throws IllegalArgumentException if the mask does not match or a row has no real token (mean and max pooling)
   */
  public static float[][] pool(Tensor hidden, int[][] attentionMask, Pooling pooling, boolean normalize) {
    int batch = hidden.dim(0);
    int seq = hidden.dim(1);
    int h = hidden.dim(2);
    if (attentionMask.length != batch) {
      throw new IllegalArgumentException("attention mask has " + attentionMask.length + " rows for a batch of " + batch);
    }
    float[] all = hidden.toArray();
    float[][] out = new float[batch][h];
    for (int b = 0; b < batch; b++) {
      if (attentionMask[b].length != seq) {
        throw new IllegalArgumentException("attention mask row " + b + " has " + attentionMask[b].length + " entries, expected " + seq);
      }
      double[] acc = new double[h];
      if (pooling == Pooling.CLS) {
        for (int i = 0; i < h; i++) {
          acc[i] = all[(b * seq) * h + i];
        }
      } else if (pooling == Pooling.MAX) {
        java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
        for (int s = 0; s < seq; s++) {
          if (attentionMask[b][s] == 1) {
            for (int i = 0; i < h; i++) {
              acc[i] = Math.max(acc[i], all[(b * seq + s) * h + i]);
            }
          }
        }
        if (acc[0] == Double.NEGATIVE_INFINITY) {
          throw new IllegalArgumentException("row " + b + " has no real token to take the maximum over");
        }
      } else {
        int count = 0;
        for (int s = 0; s < seq; s++) {
          if (attentionMask[b][s] == 1) {
            count++;
            for (int i = 0; i < h; i++) {
              acc[i] += all[(b * seq + s) * h + i];
            }
          }
        }
        if (count == 0) {
          throw new IllegalArgumentException("row " + b + " has no real token to average");
        }
        for (int i = 0; i < h; i++) {
          acc[i] /= count;
        }
      }
      double scale = normalize ? inverseNorm(acc) : 1;
      for (int i = 0; i < h; i++) {
        out[b][i] = (float) (acc[i] * scale);
      }
    }
    return out;
  }

  /** Scales {@code v} to unit L2 norm in place (a zero vector stays zero). */
  static void normalize(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    double scale = inverseNorm(d);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (d[i] * scale);
    }
  }

  private static double inverseNorm(double[] v) {
    double norm = 0;
    for (double x : v) {
      norm += x * x;
    }
    return norm > 0 ? 1 / Math.sqrt(norm) : 1;
  }
}
