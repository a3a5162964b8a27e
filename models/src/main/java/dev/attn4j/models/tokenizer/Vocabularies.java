package dev.attn4j.models.tokenizer;

/** The id-to-token lookup both tokenizers share, with the bounds check that names the vocabulary. Stateless. */
final class Vocabularies {
  private Vocabularies() {}

  /** {@code byId[id]}, or an {@link IllegalArgumentException} naming the vocabulary's range. */
  static String token(String[] byId, int id) {
    if (id < 0 || id >= byId.length) {
      throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + byId.length + ")");
    }
    return byId[id];
  }
}
