package dev.attn4j.cli;

import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import java.util.List;

/**
 * One input row: text encoded by the tokenizer, or ids given by the caller (used exactly as given).
 *
 * @param line 1-based line of the input file (or position of the --text option)
 * @param texts the text and, for a pair, the second text; empty for caller-given ids
 * @param encoding the tokenizer's encoding, or null for caller-given ids
 * @param ids token ids
 * @param typeIds token type ids
 * @param mask attention mask
 * @param tokens token strings
 */
record Item(int line, List<String> texts, Encoding encoding, int[] ids, int[] typeIds, int[] mask, List<String> tokens) {
  /** The row of {@code text} (and {@code pair}, or null) as {@code e} encodes it. */
  static Item of(int line, String text, String pair, Encoding e) {
    int[] mask = new int[e.length()];
    java.util.Arrays.fill(mask, 1);
    return new Item(line, pair == null ? List.of(text) : List.of(text, pair), e, e.ids(), e.typeIds(), mask, e.tokens().stream().map(Token::text).toList());
  }

  int length() {
    return ids.length;
  }
}
