package dev.attn4j.models.heads;

import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Turning head logits into answers, as Hugging Face's pipelines do: softmax and top-k (fill-mask,
 * classification), and the best answer span of extractive QA. Stateless and thread-safe; all arithmetic in
 * double.
 *
 * <p>Stability: stable since 0.1.
 */
public final class Decoding {
  /** Hugging Face's default longest answer, in tokens. */
  public static final int MAX_ANSWER_TOKENS = 30;

  private Decoding() {}

  /** Softmax of {@code logits} (max-subtracted). */
  public static double[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** The {@code k} largest entries, descending (ties: lower id first), with softmax probabilities over the row. */
  public static List<Prediction> topK(float[] logits, int k, IntFunction<String> label) {
    if (k <= 0) {
      throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
    }
    double[] p = softmax(logits);
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
    List<Prediction> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, order.length); i++) {
      int id = order[i];
      out.add(new Prediction(id, label.apply(id), p[id], logits[id]));
    }
    return out;
  }

  /**
   * The context span maximizing {@code start[s] + end[e]} with {@code s <= e < s + maxTokens}, both inside
   * the second segment (the context) of {@code encoding}; mapped back to {@code context}'s characters.
   *
   * @throws IllegalArgumentException if the encoding has no context tokens
   */
  public static AnswerSpan bestSpan(float[] start, float[] end, Encoding encoding, String context, int maxTokens) {
    int[] seqIds = encoding.sequenceIds();
    int n = encoding.length();
    int bestS = -1;
    int bestE = -1;
    double best = Double.NEGATIVE_INFINITY;
    for (int s = 0; s < n; s++) {
      if (seqIds[s] != 1) {
        continue;
      }
      for (int e = s; e < Math.min(n, s + maxTokens); e++) {
        if (seqIds[e] != 1) {
          break;
        }
        double score = (double) start[s] + end[e];
        if (score > best) {
          best = score;
          bestS = s;
          bestE = e;
        }
      }
    }
    if (bestS < 0) {
      throw new IllegalArgumentException("no context tokens to answer from (was the context truncated away?)");
    }
    Token first = encoding.tokens().get(bestS);
    Token last = encoding.tokens().get(bestE);
    return new AnswerSpan(bestS, bestE, best, first.start(), last.end(), context.substring(first.start(), last.end()));
  }
}
