package dev.attn4j.cli;

import dev.attn4j.models.ModelInput;
import java.util.List;

/** Pads a list of rows into one model input. */
final class Batches {
  private Batches() {}

  /** Right-pads {@code items} to {@code seq} tokens with {@code padId}, mask 0, type 0. */
  static ModelInput pad(List<Item> items, int seq, int padId) {
    int[][] ids = new int[items.size()][seq];
    int[][] types = new int[items.size()][seq];
    int[][] mask = new int[items.size()][seq];
    for (int b = 0; b < items.size(); b++) {
      Item it = items.get(b);
      java.util.Arrays.fill(ids[b], padId);
      System.arraycopy(it.ids(), 0, ids[b], 0, it.length());
      System.arraycopy(it.typeIds(), 0, types[b], 0, it.length());
      System.arraycopy(it.mask(), 0, mask[b], 0, it.length());
    }
    return new ModelInput(ids, types, mask);
  }

  static int longest(List<Item> items) {
    return items.stream().mapToInt(Item::length).max().orElse(0);
  }
}
