package dev.attn4j.models;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Entity;
import dev.attn4j.models.internal.LengthBatches;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Texts to entities with a token-classification checkpoint (named-entity recognition and the like), in a call: each
 * token labelled, runs of tokens grouped into entities as Hugging Face's token-classification pipeline does with its
 * "simple" aggregation (see {@link Decoding#entities}), with spans into the text. Texts run in batches of similar
 * length and come back in input order.
 *
 * <p>Owns nothing: the model and the backend stay the caller's to close. Immutable and thread-safe.
 *
 * <p>Stability: experimental since 0.3.
 */
public final class TokenClassifier {
  private final BertModel model;
  private final Backend backend;
  private final int batchSize;
  private final int maxLength;

  private TokenClassifier(BertModel model, Backend backend, int batchSize, int maxLength) {
    this.model = model;
    this.backend = backend;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
  }

  /**
   * A classifier over {@code model}'s token-classification head; batches of {@value SentenceEncoder#DEFAULT_BATCH_SIZE},
   * the model's longest sequence as the maximum length (longer texts are truncated: their tail finds no entity).
   *
   * @throws IllegalStateException if the checkpoint has no token-classification head
   */
  public static TokenClassifier of(BertModel model, Backend backend) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(backend, "backend");
    if (!model.heads().available().contains("token-classification")) {
      throw new IllegalStateException(model.directory() + ": the checkpoint has no token-classification head (it has: " + model.heads().available() + ")");
    }
    return new TokenClassifier(model, backend, SentenceEncoder.DEFAULT_BATCH_SIZE, model.config().maxSequenceLength());
  }

  /**
   * The same classifier running at most {@code batchSize} texts per forward pass.
   *
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  public TokenClassifier withBatchSize(int batchSize) {
    return new TokenClassifier(model, backend, TextBatches.batchSize(batchSize), maxLength);
  }

  /**
   * The same classifier truncating each text to {@code maxLength} tokens, special tokens included.
   *
   * @throws IllegalArgumentException unless {@code 2 <= maxLength <=} {@link BertConfig#maxSequenceLength()}
   */
  public TokenClassifier withMaxLength(int maxLength) {
    return new TokenClassifier(model, backend, batchSize, TextBatches.maxLength(model, maxLength));
  }

  /** The entities of {@code text}, in text order. */
  public List<Entity> entities(String text) {
    return entities(List.of(Objects.requireNonNull(text, "text")), null).getFirst();
  }

  /** The entities of each text, in the texts' order. */
  public List<List<Entity>> entities(List<String> texts) {
    return entities(texts, null);
  }

  /**
   * The entities of each pair {@code (texts[i], pairs[i])} (or each text alone when {@code pairs} is null), each with
   * the segment it was found in; an empty list runs nothing.
   *
   * @throws NullPointerException naming the index of a null text or pair
   * @throws IllegalArgumentException if {@code pairs} is not as long as {@code texts}
   */
  public List<List<Entity>> entities(List<String> texts, List<String> pairs) {
    List<Encoding> encodings = TextBatches.encode(model, texts, pairs, maxLength);
    // Identity, not equality: two equal texts encode to equal encodings, and each needs its own texts back.
    java.util.IdentityHashMap<Encoding, String[]> sources = new java.util.IdentityHashMap<>();
    for (int i = 0; i < encodings.size(); i++) {
      sources.put(encodings.get(i), pairs == null ? new String[] {texts.get(i)} : new String[] {texts.get(i), pairs.get(i)});
    }
    return LengthBatches.run(encodings, batchSize, batch -> run(batch, sources));
  }

  private List<List<Entity>> run(List<Encoding> batch, java.util.Map<Encoding, String[]> sources) {
    BatchEncoding padded = BatchEncoding.pad(batch, model.tokenizer().padId());
    try (TensorScope scope = TensorScope.open()) {
      Tensor logits = model.heads().tokenClassification(backend, scope, model.forward(backend, scope, ModelInput.of(padded), false, false));
      List<List<Entity>> out = new ArrayList<>(batch.size());
      for (int b = 0; b < batch.size(); b++) {
        Encoding e = batch.get(b);
        out.add(Decoding.entities(Decoding.tokenRows(logits.select(0, b), e.length()), e, model.config().labels(), sources.get(e)));
      }
      return out;
    }
  }

  @Override
  public String toString() {
    return "TokenClassifier[" + model.directory() + " on " + backend.name() + ", labels " + model.config().labels() + ", batches of " + batchSize
        + ", max length " + maxLength + "]";
  }
}
