package dev.attn4j.models;

import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.DenseLayer;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceTransformersConfig;
import dev.attn4j.models.internal.LengthBatches;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Texts to sentence embeddings with one model on one backend, in a call: each text tokenized and truncated to
 * {@link #maxLength()} tokens (as sentence-transformers does), the texts run in batches of similar length (less
 * padding), pooled, passed through any Dense modules and optionally L2-normalized as the model's sentence-transformers
 * files say (pooling and normalization can be set here). The
 * embeddings come back in input order, each equal to that text's embedding run alone within float32 tolerance.
 *
 * <pre>{@code
 * try (Backend backend = Backends.openDefault(BackendOptions.defaults()); BertModel model = BertModel.load(dir)) {
 *   SentenceEncoder encoder = SentenceEncoder.of(model, backend);
 *   float[][] vectors = encoder.embed(List.of("A man is playing a guitar.", "Someone plays an instrument."));
 * }
 * }</pre>
 *
 * <p>Owns nothing: the model and the backend stay the caller's to close, after the encoder's last use. Immutable
 * and thread-safe (each {@code with} method returns a new encoder); concurrent calls share the model and the
 * backend, which both allow it.
 *
 * <p>Stability: experimental since 0.1.
 */
public final class SentenceEncoder {
  /** Texts per forward pass unless set with {@link #withBatchSize}. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  private final BertModel model;
  private final Backend backend;
  private final SentenceTransformersConfig head;
  private final int batchSize;
  private final int maxLength;

  private SentenceEncoder(BertModel model, Backend backend, SentenceTransformersConfig head, int batchSize, int maxLength) {
    this.model = model;
    this.backend = backend;
    this.head = head;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
  }

  /**
   * An encoder that computes the embedding the model folder's sentence-transformers modules describe
   * ({@code modules.json}: pooling, Dense layers, normalization; see {@link SentenceTransformersConfig}), or takes the
   * mean, unnormalized, when the folder has none; batches of {@value #DEFAULT_BATCH_SIZE}; the model's longest
   * sequence as the maximum length.
   *
   * @throws IOException if the sentence-transformers files cannot be read
   * @throws ModelFormatException if they are malformed, of a kind attn4j does not compute, or their first Dense layer
   *     does not take the model's hidden size (name the pooling with {@link #of(BertModel, Backend, Pooling, boolean)}
   *     to do without them)
   */
  public static SentenceEncoder of(BertModel model, Backend backend) throws IOException {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(backend, "backend");
    var st = SentenceTransformersConfig.read(model.directory(), model.config().hiddenSize()).orElse(SentenceTransformersConfig.PLAIN);
    return new SentenceEncoder(model, backend, st, DEFAULT_BATCH_SIZE, model.config().maxSequenceLength());
  }

  /**
   * An encoder with this pooling and normalization and no Dense layer, whatever the model folder says (its files are
   * not read).
   */
  public static SentenceEncoder of(BertModel model, Backend backend, Pooling pooling, boolean normalize) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(backend, "backend");
    return new SentenceEncoder(model, backend, new SentenceTransformersConfig(pooling, normalize), DEFAULT_BATCH_SIZE,
        model.config().maxSequenceLength());
  }

  /** The same encoder pooling this way (its Dense layers, if any, stay). */
  public SentenceEncoder withPooling(Pooling pooling) {
    return new SentenceEncoder(model, backend, head.withPooling(Objects.requireNonNull(pooling, "pooling")), batchSize, maxLength);
  }

  /** The same encoder, L2-normalizing each embedding or not. */
  public SentenceEncoder withNormalize(boolean normalize) {
    return new SentenceEncoder(model, backend, head.withNormalize(normalize), batchSize, maxLength);
  }

  /**
   * The same encoder running at most {@code batchSize} texts per forward pass (memory grows with it).
   *
   * @throws IllegalArgumentException if {@code batchSize < 1}
   */
  public SentenceEncoder withBatchSize(int batchSize) {
    return new SentenceEncoder(model, backend, head, TextBatches.batchSize(batchSize), maxLength);
  }

  /**
   * The same encoder truncating texts to {@code maxLength} tokens, {@code [CLS]} and {@code [SEP]} included.
   *
   * @throws IllegalArgumentException unless {@code 2 <= maxLength <=} {@link BertConfig#maxSequenceLength()}
   */
  public SentenceEncoder withMaxLength(int maxLength) {
    return new SentenceEncoder(model, backend, head, batchSize, TextBatches.maxLength(model, maxLength));
  }

  /** How token vectors become one. */
  public Pooling pooling() {
    return head.pooling();
  }

  /** Whether embeddings are L2-normalized. */
  public boolean normalize() {
    return head.normalize();
  }

  /** The Dense layers applied after pooling, in order (usually none). */
  public List<DenseLayer> dense() {
    return head.dense();
  }

  /** Texts per forward pass, at most. */
  public int batchSize() {
    return batchSize;
  }

  /** Tokens per text, at most, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** Length of each embedding: the last Dense layer's output, or the model's hidden size. */
  public int dimension() {
    return head.dimension(model.config().hiddenSize());
  }

  /** The embedding of one text. */
  public float[] embed(String text) {
    return embed(List.of(Objects.requireNonNull(text, "text")))[0];
  }

  /**
   * The embeddings of {@code texts}, in their order ({@code [texts.size()][dimension()]}); an empty list gives an empty
   * array without running the model. All the texts' tokens are held at once: hand a stream of millions over in chunks.
   *
   * @throws NullPointerException naming the index of a null text
   */
  public float[][] embed(List<String> texts) {
    List<Encoding> encodings = TextBatches.encode(model, texts, null, maxLength);
    return LengthBatches.run(encodings, batchSize, batch -> Arrays.asList(run(BatchEncoding.pad(batch, model.tokenizer().padId()))))
        .toArray(float[][]::new);
  }

  private float[][] run(BatchEncoding batch) {
    try (TensorScope scope = TensorScope.open()) {
      BertOutput output = model.forward(backend, scope, ModelInput.of(batch), false, false);
      return head.embed(output.lastHiddenState(), batch.attentionMask());
    }
  }

  @Override
  public String toString() {
    return "SentenceEncoder[" + model.directory() + " on " + backend.name() + ", " + pooling().name().toLowerCase(Locale.ROOT) + " pooling"
        + (dense().isEmpty() ? "" : ", " + dense()) + (normalize() ? ", L2-normalized" : "") + ", batches of " + batchSize + ", max length " + maxLength + "]";
  }
}
