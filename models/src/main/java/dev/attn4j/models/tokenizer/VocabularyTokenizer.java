package dev.attn4j.models.tokenizer;

import java.util.Map;

/**
 * The vocabulary half of a {@link Tokenizer}, shared by every tokenizer: token to id and back, and the padding and
 * mask ids. Immutable; subclasses must stay immutable and thread-safe too.
 */
abstract class VocabularyTokenizer implements Tokenizer {
  /** Token to id; unmodifiable. */
  final Map<String, Integer> vocab;
  /** Id to token; never written after construction. */
  final String[] byId;
  private final int pad;
  private final int mask;

  VocabularyTokenizer(Map<String, Integer> vocab, String[] byId, int pad, int mask) {
    this.vocab = vocab;
    this.byId = byId;
    this.pad = pad;
    this.mask = mask;
  }

  @Override
  public final int padId() {
    return pad;
  }

  @Override
  public final int maskId() {
    return mask;
  }

  @Override
  public final int vocabSize() {
    return byId.length;
  }

  @Override
  public final int id(String token) {
    return vocab.getOrDefault(token, -1);
  }

  @Override
  public final String token(int id) {
    if (id < 0 || id >= byId.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + byId.length + ")");
    }
    return byId[id];
  }
}
