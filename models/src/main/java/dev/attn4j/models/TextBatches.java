package dev.attn4j.models;

import dev.attn4j.models.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The argument checks and encoding that {@link SentenceEncoder}, {@link TextClassifier} and {@link TokenClassifier}
 * share. Stateless and thread-safe.
 */
final class TextBatches {
  private TextBatches() {}

  /** @throws IllegalArgumentException if {@code batchSize < 1} */
  static int batchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    return batchSize;
  }

  /** @throws IllegalArgumentException unless {@code 2 <= maxLength <=} the model's longest sequence */
  static int maxLength(BertModel model, int maxLength) {
    int limit = model.config().maxSequenceLength();
    if (maxLength < 2 || maxLength > limit) {
      throw new IllegalArgumentException("max length must be between 2 and the model's longest sequence " + limit + ", got " + maxLength);
    }
    return maxLength;
  }

  /**
   * Each text (with its pair, when {@code pairs} is not null) encoded and truncated to {@code maxLength} tokens.
   *
   * @throws NullPointerException naming the index of a null text or pair
   * @throws IllegalArgumentException if {@code pairs} is not as long as {@code texts}
   */
  static List<Encoding> encode(BertModel model, List<String> texts, List<String> pairs, int maxLength) {
    Objects.requireNonNull(texts, "texts");
    if (pairs != null && pairs.size() != texts.size()) {
      throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
    }
    List<Encoding> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      String pair = pairs == null ? null : pairs.get(i);
      if (text == null || pairs != null && pair == null) {
        throw new NullPointerException((text == null ? "texts[" : "pairs[") + i + "] is null");
      }
      out.add(model.tokenizer().encode(text, pair, maxLength));
    }
    return out;
  }
}
