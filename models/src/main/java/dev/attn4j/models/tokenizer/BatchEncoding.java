package dev.attn4j.models.tokenizer;

import java.util.List;

/**
 * Encodings padded on the right to the longest one, ready for the model. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param encodings the unpadded encodings, in input order
 * @param inputIds {@code [batch][seq]}, padded with the pad id
 * @param typeIds {@code [batch][seq]}, padded with 0
 * @param attentionMask {@code [batch][seq]}: 1 for real tokens, 0 for padding
 */
public record BatchEncoding(List<Encoding> encodings, int[][] inputIds, int[][] typeIds, int[][] attentionMask) {
  public BatchEncoding {
    encodings = List.copyOf(encodings);
  }

  /** Pads {@code encodings} with {@code padId}. */
  public static BatchEncoding pad(List<Encoding> encodings, int padId) {
    int seq = encodings.stream().mapToInt(Encoding::length).max().orElse(0);
    int b = encodings.size();
    int[][] ids = new int[b][seq];
    int[][] types = new int[b][seq];
    int[][] mask = new int[b][seq];
    for (int i = 0; i < b; i++) {
      Encoding e = encodings.get(i);
      int[] id = e.ids();
      int[] ty = e.typeIds();
      for (int j = 0; j < seq; j++) {
        boolean real = j < id.length;
        ids[i][j] = real ? id[j] : padId;
        types[i][j] = real ? ty[j] : 0;
        mask[i][j] = real ? 1 : 0;
      }
    }
    return new BatchEncoding(encodings, ids, types, mask);
  }

  /** Number of rows. */
  public int batch() {
    return inputIds.length;
  }

  /** Padded length. */
  public int sequenceLength() {
    return inputIds.length == 0 ? 0 : inputIds[0].length;
  }

  /** Real tokens per row. */
  public int[] lengths() {
    return encodings.stream().mapToInt(Encoding::length).toArray();
  }
}
