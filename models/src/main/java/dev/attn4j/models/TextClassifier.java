package dev.attn4j.models;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.models.internal.LengthBatches;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Texts (or text pairs) to labels with a sequence-classification checkpoint, in a call: every label with its score,
 * best first, scored as Hugging Face's text-classification pipeline does (see {@link Decoding#classify}): a softmax over
 * exclusive labels, a sigmoid per label for {@code multi_label_classification}, and a relevance score for a one-label
 * head, as cross-encoder rerankers have. Texts run in batches of similar length and come back in input order.
 *
 * <pre>{@code
 * TextClassifier reranker = TextClassifier.of(model, backend);
 * List<List<Prediction>> scores = reranker.classify(List.of(query, query), List.of(passage1, passage2));
 * double relevance = scores.get(0).getFirst().probability();
 * }</pre>
 *
 * <p>Owns nothing: the model and the backend stay the caller's to close. Immutable and thread-safe.
 *
 * <p>Stability: experimental since 0.3.
 */
public final class TextClassifier {
  private final BertModel model;
  private final Backend backend;
  private final int batchSize;
  private final int maxLength;

  private TextClassifier(BertModel model, Backend backend, int batchSize, int maxLength) {
    this.model = model;
    this.backend = backend;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
  }

  /**
   * A classifier over {@code model}'s sequence-classification head; batches of {@value SentenceEncoder#DEFAULT_BATCH_SIZE},
   * the model's longest sequence as the maximum length.
   *
   * @throws IllegalStateException if the checkpoint has no sequence-classification head
   */
  public static TextClassifier of(BertModel model, Backend backend) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(backend, "backend");
    if (!model.heads().available().contains("sequence-classification")) {
      throw new IllegalStateException(model.directory() + ": the checkpoint has no sequence-classification head (it has: " + model.heads().available() + ")");
    }
    return new TextClassifier(model, backend, SentenceEncoder.DEFAULT_BATCH_SIZE, model.config().maxSequenceLength());
  }

  /**
   * The same classifier running at most {@code batchSize} texts per forward pass.
   *
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  public TextClassifier withBatchSize(int batchSize) {
    return new TextClassifier(model, backend, TextBatches.batchSize(batchSize), maxLength);
  }

  /**
   * The same classifier truncating each input (longest segment first) to {@code maxLength} tokens, special tokens
   * included.
   *
   * @throws IllegalArgumentException unless {@code 2 <= maxLength <=} {@link BertConfig#maxSequenceLength()}
   */
  public TextClassifier withMaxLength(int maxLength) {
    return new TextClassifier(model, backend, batchSize, TextBatches.maxLength(model, maxLength));
  }

  /** The class labels, by id ({@code id2label}). */
  public List<String> labels() {
    return model.config().labels();
  }

  /** Every label of {@code text}, best first. */
  public List<Prediction> classify(String text) {
    return classify(List.of(Objects.requireNonNull(text, "text")), null).getFirst();
  }

  /** Every label of the pair {@code (text, pair)}, best first: for a cross-encoder, the pair's relevance. */
  public List<Prediction> classify(String text, String pair) {
    return classify(List.of(Objects.requireNonNull(text, "text")), List.of(Objects.requireNonNull(pair, "pair"))).getFirst();
  }

  /** Every label of each text, best first, in the texts' order. */
  public List<List<Prediction>> classify(List<String> texts) {
    return classify(texts, null);
  }

  /**
   * Every label of each pair {@code (texts[i], pairs[i])} (or each text alone when {@code pairs} is null), best first,
   * in the input order; an empty list runs nothing.
   *
   * @throws NullPointerException naming the index of a null text or pair
   * @throws IllegalArgumentException if {@code pairs} is not as long as {@code texts}
   */
  public List<List<Prediction>> classify(List<String> texts, List<String> pairs) {
    List<Encoding> encodings = TextBatches.encode(model, texts, pairs, maxLength);
    return LengthBatches.run(encodings, batchSize, this::run);
  }

  private List<List<Prediction>> run(List<Encoding> batch) {
    BatchEncoding padded = BatchEncoding.pad(batch, model.tokenizer().padId());
    try (TensorScope scope = TensorScope.open()) {
      Tensor logits = model.heads().sequenceClassification(backend, scope, model.forward(backend, scope, ModelInput.of(padded), false, false));
      List<List<Prediction>> out = new ArrayList<>(batch.size());
      for (int b = 0; b < batch.size(); b++) {
        out.add(Decoding.classify(logits.select(0, b).toArray(), labels(), model.config().multiLabel()));
      }
      return out;
    }
  }

  @Override
  public String toString() {
    return "TextClassifier[" + model.directory() + " on " + backend.name() + ", labels " + labels() + ", batches of " + batchSize + ", max length " + maxLength + "]";
  }
}
