package dev.attn4j.models;

import dev.attn4j.models.tokenizer.BatchEncoding;

/**
 * A rectangular batch of token ids as the model takes it, validated against a model before use.
 * Immutable after construction (arrays are copied).
 *
 * <p>Stability: stable since 0.1.
 *
 * @param inputIds {@code [batch][seq]}
 * @param typeIds {@code [batch][seq]}
 * @param attentionMask {@code [batch][seq]}, 1 for real tokens, 0 for padding
 */
public record ModelInput(int[][] inputIds, int[][] typeIds, int[][] attentionMask) {
  public ModelInput {
    inputIds = deepCopy(inputIds, "input_ids");
    int seq = inputIds.length == 0 ? 0 : inputIds[0].length;
    typeIds = typeIds == null ? new int[inputIds.length][seq] : deepCopy(typeIds, "token_type_ids");
    attentionMask = attentionMask == null ? ones(inputIds.length, seq) : deepCopy(attentionMask, "attention_mask");
    if (inputIds.length == 0 || seq == 0) {
      throw new IllegalArgumentException("input_ids must hold at least one row of at least one token");
    }
    for (int b = 0; b < inputIds.length; b++) {
      if (inputIds[b].length != seq || typeIds.length != inputIds.length || typeIds[b].length != seq || attentionMask.length != inputIds.length
          || attentionMask[b].length != seq) {
        throw new IllegalArgumentException("input_ids, token_type_ids and attention_mask must all be [" + inputIds.length + "][" + seq
            + "]; row " + b + " differs");
      }
      for (int j = 0; j < seq; j++) {
        if (attentionMask[b][j] != 0 && attentionMask[b][j] != 1) {
          throw new IllegalArgumentException("attention_mask[" + b + "][" + j + "] = " + attentionMask[b][j] + ", must be 0 or 1");
        }
      }
    }
  }

  /** The padded ids of a tokenizer batch. */
  public static ModelInput of(BatchEncoding batch) {
    return new ModelInput(batch.inputIds(), batch.typeIds(), batch.attentionMask());
  }

  /** Rows. */
  public int batch() {
    return inputIds.length;
  }

  /** Tokens per row (padded). */
  public int sequenceLength() {
    return inputIds[0].length;
  }

  private static int[][] deepCopy(int[][] a, String name) {
    if (a == null) {
      throw new IllegalArgumentException(name + " is missing");
    }
    int[][] c = new int[a.length][];
    for (int i = 0; i < a.length; i++) {
      if (a[i] == null) {
        throw new IllegalArgumentException(name + " row " + i + " is missing");
      }
      c[i] = a[i].clone();
    }
    return c;
  }

  private static int[][] ones(int b, int s) {
    int[][] m = new int[b][s];
    for (int[] row : m) {
      java.util.Arrays.fill(row, 1);
    }
    return m;
  }
}
