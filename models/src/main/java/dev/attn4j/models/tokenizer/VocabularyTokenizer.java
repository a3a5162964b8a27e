package dev.attn4j.models.tokenizer;

import java.util.Map;

/**
 * The vocabulary half of a {@link Tokenizer}, shared by the WordPiece and BPE tokenizers: token to id and back.
 * Immutable; subclasses must stay immutable and thread-safe too.
 */
abstract class VocabularyTokenizer implements Tokenizer {
  /** Token to id; unmodifiable. */
  final Map<String, Integer> vocab;
  /** Id to token; never written after construction. */
  final String[] byId;

  VocabularyTokenizer(Map<String, Integer> vocab, String[] byId) {
    this.vocab = vocab;
    this.byId = byId;
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
