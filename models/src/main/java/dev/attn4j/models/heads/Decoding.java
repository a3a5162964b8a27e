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

  /**
   * Every label of one sequence-classification row with its score, best first (ties: lower id first), as Hugging
   * Face's text-classification pipeline scores them: a softmax over the labels, or each label's own sigmoid when
   * they are independent ({@code multiLabel}) or there is only one (a relevance score, as cross-encoders give).
   *
   * @throws IllegalArgumentException if {@code logits} and {@code labels} differ in length
   */
  public static List<Prediction> classify(float[] logits, List<String> labels, boolean multiLabel) {
    if (logits.length != labels.size()) {
      throw new IllegalArgumentException(logits.length + " logits for " + labels.size() + " labels");
    }
    double[] p;
    if (multiLabel || logits.length == 1) {
      p = new double[logits.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = 1 / (1 + Math.exp(-(double) logits[i]));
      }
    } else {
      p = softmax(logits);
    }
    Integer[] order = new Integer[logits.length];
    java.util.Arrays.setAll(order, i -> i);
    java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
    List<Prediction> out = new ArrayList<>(order.length);
    for (int id : order) {
      out.add(new Prediction(id, labels.get(id), p[id], logits[id]));
    }
    return out;
  }

  /**
   * The first {@code tokens} rows of one sequence's token-classification logits {@code [seq, labels]}, as
   * {@link #entities} takes them, copied out of the tensor at once.
   *
   * @throws IllegalArgumentException if {@code logits} is not two-dimensional or has fewer rows
   */
  public static float[][] tokenRows(dev.attn4j.api.tensor.Tensor logits, int tokens) {
    if (logits.rank() != 2 || tokens < 0 || tokens > logits.dim(0)) {
      throw new IllegalArgumentException("need " + tokens + " rows of [seq, labels] logits, got " + logits.shape());
    }
    int labels = logits.dim(1);
    float[] all = logits.slice(0, 0, tokens).toArray();
    float[][] out = new float[tokens][];
    for (int t = 0; t < tokens; t++) {
      out[t] = java.util.Arrays.copyOfRange(all, t * labels, (t + 1) * labels);
    }
    return out;
  }

  /**
   * The entities of one token-classification row, as Hugging Face's token-classification pipeline groups them with
   * its "simple" aggregation: each real token takes its most probable label (softmax over the labels; special and
   * padding tokens are skipped), consecutive tokens of the same type join while the next one does not start with
   * {@code B-} (a label without a prefix counts as {@code I-}), and groups labelled {@code O} are dropped. A group
   * also ends where the segment changes. Unlike the pipeline, whose {@code word} is the decoded tokens (lower-cased by
   * an uncased tokenizer), {@link Entity#text()} is the original text between the first token's start and the last
   * token's end.
   *
   * @param logits {@code [tokens][labels]}, at least {@code encoding.length()} rows (padding rows are ignored)
   * @param texts the encoded text, and the pair's second text when there is one (for {@link Entity#text()})
   * @throws IllegalArgumentException if a row's length differs from {@code labels}, or the encoding has a second
   *     segment but only one text was given
   */
  public static List<Entity> entities(float[][] logits, Encoding encoding, List<String> labels, String... texts) {
    if (logits.length < encoding.length()) {
      throw new IllegalArgumentException(logits.length + " rows of logits for " + encoding.length() + " tokens");
    }
    int[] segments = encoding.sequenceIds();
    List<Entity> out = new ArrayList<>();
    int from = -1;
    String group = null;
    double sum = 0;
    for (int t = 0; t <= encoding.length(); t++) {
      boolean real = t < encoding.length() && segments[t] >= 0;
      String label = null;
      double score = 0;
      if (real) {
        if (logits[t].length != labels.size()) {
          throw new IllegalArgumentException("token " + t + " has " + logits[t].length + " logits for " + labels.size() + " labels");
        }
        if (segments[t] >= texts.length) {
          throw new IllegalArgumentException("the encoding has a segment " + segments[t] + " but " + texts.length + " text(s) were given");
        }
        double[] p = softmax(logits[t]);
        int best = 0;
        for (int i = 1; i < p.length; i++) {
          if (p[i] > p[best]) {
            best = i;
          }
        }
        label = labels.get(best);
        score = p[best];
      }
      String type = label == null ? null : label.startsWith("B-") || label.startsWith("I-") ? label.substring(2) : label;
      boolean continues = from >= 0 && real && type.equals(group) && !label.startsWith("B-") && segments[t] == segments[from];
      if (from >= 0 && !continues) {
        if (!group.equals("O")) {
          Token first = encoding.tokens().get(from);
          Token last = encoding.tokens().get(t - 1);
          String text = texts[segments[from]];
          out.add(new Entity(group, text.substring(first.start(), last.end()), segments[from], first.start(), last.end(), sum / (t - from), from, t - 1));
        }
        from = -1;
      }
      if (!real) {
        continue;
      }
      if (from < 0) {
        from = t;
        group = type;
        sum = 0;
      }
      sum += score;
    }
    return out;
  }
}
