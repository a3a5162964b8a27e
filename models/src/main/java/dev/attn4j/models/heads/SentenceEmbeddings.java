package dev.attn4j.models.heads;

import dev.attn4j.api.tensor.Tensor;

/**
 * Sentence embeddings from a last hidden state, as sentence-transformers computes them: mean (plain, divided by
 * the square root of the length, or weighted by position) or maximum over the tokens whose attention mask is 1, the
 * {@code [CLS]} vector or the last real token's; then optionally L2-normalized (a zero vector stays zero).
 * Accumulates in double. Stateless and thread-safe.
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
      switch (pooling) {
        case CLS -> {
          for (int i = 0; i < h; i++) {
            acc[i] = all[(b * seq) * h + i];
          }
        }
        case LAST_TOKEN -> {
          // The last position the mask keeps (right or left padding alike); sentence-transformers takes the first
          // position when the mask keeps none, but such a row is refused here as for every other mode.
          int last = -1;
          for (int s = 0; s < seq; s++) {
            if (attentionMask[b][s] == 1) {
              last = s;
            }
          }
          if (last < 0) {
            throw new IllegalArgumentException("row " + b + " has no real token to take the last of");
          }
          for (int i = 0; i < h; i++) {
            acc[i] = all[(b * seq + last) * h + i];
          }
        }
        case MAX -> {
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
        }
        case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
          double weights = 0;
          int count = 0;
          for (int s = 0; s < seq; s++) {
            if (attentionMask[b][s] == 1) {
              double w = pooling == Pooling.WEIGHTED_MEAN ? s + 1 : 1;
              count++;
              weights += w;
              for (int i = 0; i < h; i++) {
                acc[i] += w * all[(b * seq + s) * h + i];
              }
            }
          }
          if (count == 0) {
            throw new IllegalArgumentException("row " + b + " has no real token to average");
          }
          double divisor = pooling == Pooling.MEAN_SQRT_LEN ? Math.sqrt(count) : weights;
          for (int i = 0; i < h; i++) {
            acc[i] /= divisor;
          }
        }
        default -> throw new IllegalStateException("unknown pooling " + pooling);
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
