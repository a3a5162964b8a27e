package dev.attn4j.models.tokenizer;

import java.util.List;

/**
 * One encoded input, {@code [CLS] A [SEP] (B [SEP])}, before padding. Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param tokens the tokens, specials included
 * @param typeIds 0 for {@code [CLS]}, A and its {@code [SEP]}; 1 for B and its {@code [SEP]}
 * @param sequenceIds -1 for special tokens, 0 for tokens of A, 1 for tokens of B
 * @param truncated whether tokens were dropped to fit the maximum length
 */
public record Encoding(List<Token> tokens, int[] typeIds, int[] sequenceIds, boolean truncated) {
  public Encoding {
    tokens = List.copyOf(tokens);
    typeIds = typeIds.clone();
    sequenceIds = sequenceIds.clone();
  }

  /** Number of tokens. */
  public int length() {
    return tokens.size();
  }

  /** Token ids. */
  public int[] ids() {
    return tokens.stream().mapToInt(Token::id).toArray();
  }

  @Override
  public int[] typeIds() {
    return typeIds.clone();
  }

  @Override
  public int[] sequenceIds() {
    return sequenceIds.clone();
  }
}
