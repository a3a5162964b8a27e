package dev.attn4j.models;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.attention.MultiHeadAttention;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.EncoderLayer;
import dev.attn4j.api.encoder.EncoderOutput;
import dev.attn4j.api.encoder.NormPlacement;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.layers.PreparedWeights;
import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.Heads;
import dev.attn4j.models.internal.Tanh;
import dev.attn4j.models.internal.WeightFiles;
import dev.attn4j.models.tokenizer.Tokenizer;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A BERT-shaped encoder loaded from a Hugging Face folder ({@code config.json}, {@code model.safetensors},
 * {@code vocab.txt}, {@code tokenizer.json} or {@code vocab.json} + {@code merges.txt}: WordPiece, byte-level BPE or
 * SentencePiece Unigram): embeddings, the attn4j {@link Encoder}, the pooler and whichever task heads the checkpoint
 * carries. BERT, ELECTRA (BERT's layers), DistilBERT (its own parameter names, no token types, no pooler) and the RoBERTa family (same layers,
 * position ids counted from past the padding index; see {@link BertConfig#positionOffset()}). Parameter names with and without the
 * {@code bert.}, {@code roberta.}, {@code distilbert.} or {@code electra.} prefix are accepted; every tensor the configuration needs is checked for presence
 * and shape at load.
 *
 * <p>Runs on any {@link Backend}. Immutable after loading and safe to share across threads: each
 * {@link #forward} call allocates its activations in the scope the caller passes. {@link #close()} releases
 * the weights (the mapped file included) and every backend's prepared copies of them; the model must not be used
 * afterwards.
 *
 * <p>Stability: stable since 0.1.
 */
public final class BertModel implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.attn4j.models");
  /** Names shown in the unused-weights warning; the rest are counted. */
  private static final int WARN_NAMES = 8;

  private final Path dir;
  private final BertConfig config;
  private final Tokenizer tokenizer;
  private final WeightFiles file;
  private final TensorScope weights;
  private final Tensor wordEmbeddings;
  private final Tensor positionEmbeddings;
  /** Token-type rows, or null for a family without token types (DistilBERT), which ignores the type ids it is given. */
  private final Tensor typeEmbeddings;
  private final LayerNorm embeddingNorm;
  /** ELECTRA's {@code embeddings_project} from narrower embeddings up to the hidden size, or null. */
  private final Linear embeddingProjection;
  private final Encoder encoder;
  private final Linear pooler;
  private final Heads heads;
  private final List<String> unusedWeights;

  private BertModel(Path dir, BertConfig config, Tokenizer tokenizer, WeightFiles file, TensorScope weights) throws ModelFormatException {
    this.dir = dir;
    this.config = config;
    this.tokenizer = tokenizer;
    this.file = file;
    this.weights = weights;
    Params p = new Params(file, weights, config);
    int h = config.hiddenSize();
    int e = config.embeddingSize();
    this.wordEmbeddings = p.get("embeddings.word_embeddings.weight", config.vocabSize(), e);
    this.positionEmbeddings = p.get("embeddings.position_embeddings.weight", config.maxPositions(), e);
    LayerNames names = config.modelType().equals("distilbert") ? LayerNames.DISTILBERT : LayerNames.BERT;
    // DistilBERT has no token types; like Hugging Face's DistilBertModel it ignores the ids a pair's encoding carries.
    this.typeEmbeddings = names == LayerNames.DISTILBERT ? null : p.get("embeddings.token_type_embeddings.weight", config.typeVocabSize(), e);
    this.embeddingNorm = p.layerNorm("embeddings.LayerNorm", e);
    this.embeddingProjection = e == h ? null : p.linear("embeddings_project", h, e);
    List<EncoderLayer> layers = new ArrayList<>();
    for (int i = 0; i < config.layers(); i++) {
      String l = names.layer() + i + ".";
      Linear q = p.linear(l + names.query(), h, h);
      Linear k = p.linear(l + names.key(), h, h);
      Linear v = p.linear(l + names.value(), h, h);
      MultiHeadAttention attention = MultiHeadAttention.fused(config.heads(), fuse(q, k, v), p.linear(l + names.attentionOutput(), h, h));
      layers.add(new EncoderLayer(attention, p.layerNorm(l + names.attentionNorm()), p.linear(l + names.up(), config.intermediateSize(), h),
          p.linear(l + names.down(), h, config.intermediateSize()), p.layerNorm(l + names.outputNorm()), config.activation(), NormPlacement.POST));
    }
    this.encoder = new Encoder(layers, null);
    this.pooler = p.has("pooler.dense.weight") ? p.linear("pooler.dense", h, h) : null;
    this.heads = Heads.load(p, config, wordEmbeddings);
    this.unusedWeights = p.unused();
    if (!unusedWeights.isEmpty()) {
      // As Hugging Face does ("Some weights of the model checkpoint were not used"): a checkpoint with more layers than
      // config.json, or a head this library does not run, loads, but not silently.
      LOG.log(System.Logger.Level.WARNING, "{0}: {1} tensor(s) not used by this {2}-layer model: {3}", file.source(), unusedWeights.size(), config.layers(),
          String.join(", ", unusedWeights.subList(0, Math.min(WARN_NAMES, unusedWeights.size())))
              + (unusedWeights.size() > WARN_NAMES ? ", ..." : ""));
    }
  }

  /** Where a family keeps an encoder layer's parameters, relative to the layer's prefix {@code layer() + i + "."}. */
  private record LayerNames(String layer, String query, String key, String value, String attentionOutput, String attentionNorm, String up, String down,
      String outputNorm) {
    static final LayerNames BERT = new LayerNames("encoder.layer.", "attention.self.query", "attention.self.key", "attention.self.value",
        "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm");
    static final LayerNames DISTILBERT = new LayerNames("transformer.layer.", "attention.q_lin", "attention.k_lin", "attention.v_lin",
        "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm");
  }

  /** One {@code [3h, h]} projection from three {@code [h, h]} ones: one GEMM instead of three per layer. */
  private Linear fuse(Linear q, Linear k, Linear v) {
    int h = q.outFeatures();
    Tensor w = weights.allocate(3 * h, h);
    Tensor b = weights.allocate(3 * h);
    Linear[] parts = {q, k, v};
    for (int i = 0; i < 3; i++) {
      w.slice(0, i * h, h).copyFrom(parts[i].weight());
      b.slice(0, i * h, h).copyFrom(parts[i].bias());
    }
    return new Linear(w, b);
  }

  /**
   * Loads a model folder.
   *
   * @throws ModelFormatException naming the file (and tensor or key) when anything is missing or malformed
   * @throws IOException if a file cannot be read
   */
  public static BertModel load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new ModelFormatException(dir + ": not a model folder (expected config.json, model.safetensors and vocab.txt, tokenizer.json or vocab.json + merges.txt)");
    }
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new ModelFormatException(dir + ": config.json is missing");
    }
    if (!WeightFiles.present(dir)) {
      throw new ModelFormatException(dir + ": model.safetensors is missing" + otherWeights(dir));
    }
    BertConfig config = BertConfig.read(dir.resolve("config.json"));
    Tokenizer tokenizer = Tokenizer.load(dir);
    // Fewer tokens than embedding rows is legal (embeddings padded to a round size, as resize_token_embeddings does);
    // more would give ids with no embedding row.
    if (tokenizer.vocabSize() > config.vocabSize()) {
      throw new ModelFormatException(dir + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but config.json says vocab_size " + config.vocabSize()
          + " (token ids must stay below vocab_size)");
    }
    WeightFiles file = WeightFiles.open(dir);
    TensorScope weights = TensorScope.open();
    try {
      return new BertModel(dir, config, tokenizer, file, weights);
    } catch (IOException | RuntimeException e) {
      weights.close();
      file.close();
      throw e;
    }
  }

  /** What to do instead, when the folder holds weights in a form this loader does not read. */
  private static String otherWeights(Path dir) {
    if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
      return " (pytorch_model.bin is a Python pickle, which attn4j does not read: save the model with safe_serialization=True,"
          + " or convert its ONNX export with 'attn4j convert')";
    }
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).findFirst()
          .map(n -> " (" + n + " is an ONNX export: pass the .onnx file itself, or convert it with 'attn4j convert' or OnnxImport)").orElse("");
    } catch (IOException e) {
      return "";
    }
  }

  /** The folder it was loaded from. */
  public Path directory() {
    return dir;
  }

  /** Its configuration. */
  public BertConfig config() {
    return config;
  }

  /** Its tokenizer: WordPiece ({@link dev.attn4j.models.tokenizer.BertTokenizer}) or byte-level BPE. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * The checkpoint's tensors this model does not use (sorted by name; also logged as a warning at load), such as the
   * layers past {@code num_hidden_layers} or a head attn4j does not run. Empty for a checkpoint that matches its
   * {@code config.json}.
   */
  public List<String> unusedWeights() {
    return unusedWeights;
  }

  /** Whether the checkpoint carries pooler weights. */
  public boolean hasPooler() {
    return pooler != null;
  }

  /** The task heads the checkpoint carries. */
  public Heads heads() {
    return heads;
  }

  /**
   * Runs the encoder on a batch.
   *
   * @param scope where the outputs (and intermediate hidden states / attentions when asked) are allocated
   * @throws IllegalArgumentException if an id is outside the vocabulary, a type id outside {@code type_vocab_size},
   *     or the sequence longer than {@link BertConfig#maxSequenceLength()} (the message names row and position)
   */
  public BertOutput forward(Backend backend, TensorScope scope, ModelInput input, boolean hiddenStates, boolean attentions) {
    validate(input);
    Tensor x = embed(backend, scope, input);
    AttentionMask mask = AttentionMask.none().withKeyMask(input.attentionMask());
    EncoderOutput out = encoder.forward(backend, scope, x, mask, hiddenStates, attentions);
    Tensor pooled = pooler == null ? null : pool(backend, scope, out.lastHiddenState());
    return new BertOutput(out.lastHiddenState(), pooled, out.hiddenStates(), out.attentions());
  }

  /** Checks every id before any work, so bad input is an exception that names the spot. */
  public void validate(ModelInput input) {
    int seq = input.sequenceLength();
    if (seq > config.maxSequenceLength()) {
      throw new IllegalArgumentException("sequence length " + seq + " exceeds the model's limit " + config.maxSequenceLength() + " (max_position_embeddings "
          + config.maxPositions() + (config.positionOffset() > 0 ? ", position ids from " + config.positionOffset() : "") + ")");
    }
    for (int b = 0; b < input.batch(); b++) {
      for (int j = 0; j < seq; j++) {
        int id = input.inputIds()[b][j];
        if (id < 0 || id >= config.vocabSize()) {
          throw new IllegalArgumentException("input_ids[" + b + "][" + j + "] = " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        int t = input.typeIds()[b][j];
        if (typeEmbeddings != null && (t < 0 || t >= config.typeVocabSize())) {
          throw new IllegalArgumentException("token_type_ids[" + b + "][" + j + "] = " + t + " is outside [0, " + config.typeVocabSize() + ")");
        }
      }
    }
  }

  /** word + position + token type embeddings, then LayerNorm (and ELECTRA's projection): {@code [batch, seq, hidden]}. */
  private Tensor embed(Backend backend, TensorScope scope, ModelInput input) {
    int batch = input.batch();
    int seq = input.sequenceLength();
    int h = config.embeddingSize();
    Tensor x = scope.allocate(batch, seq, h);
    MemorySegment out = x.segment();
    MemorySegment word = wordEmbeddings.segment();
    MemorySegment pos = positionEmbeddings.segment();
    MemorySegment type = typeEmbeddings == null ? null : typeEmbeddings.segment();
    // Rows are moved with bulk copies and added on the heap: element-wise MemorySegment access over the mapped tables
    // stayed slow in a forward pass (~1-2 ms per 128 tokens in a profile, against ~0.1 ms this way).
    float[] sum = new float[h];
    float[] row = new float[h];
    int offset = config.positionOffset();
    for (int b = 0; b < batch; b++) {
      int[] ids = input.inputIds()[b];
      int real = 0;
      for (int s = 0; s < seq; s++) {
        MemorySegment.copy(word, ValueLayout.JAVA_FLOAT, (long) ids[s] * h * Float.BYTES, sum, 0, h);
        // BERT counts positions from 0. The RoBERTa family gives the padding id the padding index (offset - 1) as its
        // position and numbers the other tokens on from there, as its create_position_ids_from_input_ids does.
        int position = s;
        if (offset > 0) {
          position = ids[s] == offset - 1 ? offset - 1 : offset + real++;
        }
        addRow(pos, position, sum, row);
        if (type != null) {
          addRow(type, input.typeIds()[b][s], sum, row);
        }
        MemorySegment.copy(sum, 0, out, ValueLayout.JAVA_FLOAT, ((long) b * seq + s) * h * Float.BYTES, h);
      }
    }
    backend.layerNorm(x, embeddingNorm.gamma(), embeddingNorm.beta(), embeddingNorm.eps());
    return embeddingProjection == null ? x : embeddingProjection.forward(backend, scope, x, Activation.IDENTITY);
  }

  /** {@code sum += table[index]} for a {@code [rows, sum.length]} table; {@code buffer} is as long as {@code sum}. */
  private static void addRow(MemorySegment table, int index, float[] sum, float[] buffer) {
    MemorySegment.copy(table, ValueLayout.JAVA_FLOAT, (long) index * sum.length * Float.BYTES, buffer, 0, sum.length);
    for (int i = 0; i < sum.length; i++) {
      sum[i] += buffer[i];
    }
  }

  /** {@code tanh(W h[:, 0] + b)}. */
  private Tensor pool(Backend backend, TensorScope scope, Tensor hidden) {
    Tensor cls = hidden.select(1, 0);
    return Tanh.inPlace(pooler.forward(backend, scope, cls, Activation.IDENTITY));
  }

  /** Releases the weights and unmaps the file. */
  @Override
  public void close() {
    weights.close();
    file.close();
    // Every backend's prepared copies of these weights (packed off-heap by some) go now, not at the next GC.
    PreparedWeights.releaseFreed();
  }

  /**
   * Tensor lookup during loading, with the {@code bert.}, {@code roberta.}, {@code distilbert.} or {@code electra.} prefix resolved and every shape checked against the
   * config; public only so {@link Heads} (another package) can load its tensors. Thread-safe (the scope it
   * allocates conversions in is shared).
   */
  public static final class Params {
    private final WeightFiles file;
    private final TensorScope scope;
    private final BertConfig config;
    private final String prefix;
    private final Set<String> used = new HashSet<>();

    Params(WeightFiles file, TensorScope scope, BertConfig config) {
      this.file = file;
      this.scope = scope;
      this.config = config;
      this.prefix = file.names().contains("bert.embeddings.word_embeddings.weight") ? "bert."
          : file.names().contains("roberta.embeddings.word_embeddings.weight") ? "roberta."
          : file.names().contains("distilbert.embeddings.word_embeddings.weight") ? "distilbert."
          : file.names().contains("electra.embeddings.word_embeddings.weight") ? "electra." : "";
    }

    /** Whether the encoder-relative name (or a head's absolute name) exists. */
    public boolean has(String name) {
      return file.names().contains(prefix + name) || file.names().contains(name);
    }

    /** The tensor {@code name}, which must have shape {@code dims}. */
    public Tensor get(String name, int... dims) throws ModelFormatException {
      String full = file.names().contains(prefix + name) ? prefix + name : name;
      if (!file.names().contains(full)) {
        throw new ModelFormatException(file.source() + ": tensor '" + prefix + name + "' is missing (needed by " + describe(config) + ")");
      }
      used.add(full);
      Tensor t = file.tensor(full, scope);
      if (!t.shape().equals(Shape.of(dims))) {
        throw new ModelFormatException(file.fileOf(full) + ": tensor '" + full + "' has shape " + t.shape() + ", config.json implies " + Shape.of(dims));
      }
      return t;
    }

    /** A {@code [out, in]} linear layer with bias at {@code name.weight} / {@code name.bias}. */
    public Linear linear(String name, int out, int in) throws ModelFormatException {
      return new Linear(get(name + ".weight", out, in), get(name + ".bias", out));
    }

    /** A LayerNorm over the hidden size at {@code name.weight/bias} (or the older {@code gamma/beta}). */
    public LayerNorm layerNorm(String name) throws ModelFormatException {
      return layerNorm(name, config.hiddenSize());
    }

    /** A LayerNorm over {@code h} features. */
    LayerNorm layerNorm(String name, int h) throws ModelFormatException {
      boolean old = !has(name + ".weight") && has(name + ".gamma");
      return new LayerNorm(get(name + (old ? ".gamma" : ".weight"), h), get(name + (old ? ".beta" : ".bias"), h), config.layerNormEps());
    }

    /**
     * The file's tensors that nothing asked for, by name; left out are those Hugging Face ignores too: the
     * {@code position_ids} buffer and a decoder bias that is the same parameter as the head's {@code bias}.
     */
    List<String> unused() {
      return file.names().stream()
          .filter(n -> !used.contains(n) && !n.endsWith("embeddings.position_ids") && !(n.endsWith(".decoder.bias") && used.contains(n.replace(".decoder.bias", ".bias"))))
          .sorted().toList();
    }

    private static String describe(BertConfig c) {
      return c.layers() + " layers, hidden " + c.hiddenSize();
    }
  }
}
