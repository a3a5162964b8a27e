package dev.attn4j.models.internal;

import dev.attn4j.models.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Runs encodings in batches of similar length, shortest first, so that each batch pads to a length close to its rows'
 * own, and hands the results back in input order. Stateless and thread-safe.
 */
public final class LengthBatches {
  private LengthBatches() {}

  /**
   * Applies {@code run} to batches of at most {@code batchSize} encodings; {@code run} returns one result per
   * encoding of its batch, in the batch's order.
   */
  public static <R> List<R> run(List<Encoding> encodings, int batchSize, Function<List<Encoding>, List<R>> run) {
    // A stable sort keeps equal lengths in input order.
    Integer[] order = new Integer[encodings.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> encodings.get(i).length()));
    List<R> out = new ArrayList<>(Arrays.asList(newArray(encodings.size())));
    for (int from = 0; from < order.length; from += batchSize) {
      List<Encoding> batch = new ArrayList<>(batchSize);
      for (int k = from; k < Math.min(order.length, from + batchSize); k++) {
        batch.add(encodings.get(order[k]));
      }
      List<R> results = run.apply(batch);
      if (results.size() != batch.size()) {
        throw new IllegalStateException(results.size() + " results for a batch of " + batch.size());
      }
      for (int k = 0; k < results.size(); k++) {
        out.set(order[from + k], results.get(k));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <R> R[] newArray(int n) {
    return (R[]) new Object[n];
  }
}
