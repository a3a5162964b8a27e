package dev.attn4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.internal.Json;
import dev.attn4j.spi.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code config.json} of a BERT-shaped checkpoint: BERT itself and the RoBERTa family ({@code roberta},
 * {@code xlm-roberta}, {@code camembert}), which has BERT's layers and differs only in where its position ids start.
 * Only what changes the computation is kept; options attn4j does not implement (another {@code model_type},
 * relative position embeddings, an unknown activation) are rejected with a clear message rather than ignored.
 * Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param vocabSize rows of the word embeddings
 * @param hiddenSize width of every layer
 * @param layers encoder layers
 * @param heads attention heads
 * @param intermediateSize feed-forward width
 * @param activation feed-forward activation ({@code hidden_act})
 * @param maxPositions {@code max_position_embeddings}: the longest sequence the model takes
 * @param typeVocabSize token types ({@code type_vocab_size})
 * @param layerNormEps LayerNorm epsilon
 * @param labels class labels by index ({@code id2label}; {@code LABEL_i} when absent), {@code num_labels} long
 * @param architectures the {@code architectures} list, as written
 * @param positionOffset the position id of a sequence's first token: 0 for BERT; {@code pad_token_id + 1} for the
 *     RoBERTa family, whose position ids count on from its padding index (which padding tokens take)
 * @param multiLabel whether the classification labels are independent ({@code problem_type}
 *     {@code multi_label_classification}: one sigmoid per label) rather than exclusive (a softmax over them)
 * @param modelType {@code model_type}: {@code bert}, {@code roberta}, {@code xlm-roberta}, {@code camembert},
 *     {@code distilbert} (DistilBERT names its sizes and weights its own way, has no token types and no pooler) or
 *     {@code electra} (BERT's layers under {@code electra.})
 * @param embeddingSize width of the embedding tables: the hidden size, except for ELECTRA checkpoints whose narrower
 *     embeddings ({@code embedding_size}) are projected up by {@code embeddings_project}
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize, Activation activation, int maxPositions,
    int typeVocabSize, float layerNormEps, List<String> labels, List<String> architectures, int positionOffset, boolean multiLabel, String modelType,
    int embeddingSize) {

  public BertConfig {
    labels = List.copyOf(labels);
    architectures = List.copyOf(architectures);
    if (vocabSize <= 0 || hiddenSize <= 0 || layers <= 0 || heads <= 0 || intermediateSize <= 0 || maxPositions <= 0 || typeVocabSize <= 0
        || embeddingSize <= 0) {
      throw new IllegalArgumentException("model sizes must be positive");
    }
    if (positionOffset < 0 || positionOffset >= maxPositions) {
      throw new IllegalArgumentException("the first position id " + positionOffset + " leaves no room in max_position_embeddings " + maxPositions);
    }
    if (hiddenSize % heads != 0) {
      throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + heads);
    }
    if (!(layerNormEps > 0) || !Float.isFinite(layerNormEps)) {
      throw new IllegalArgumentException("layer_norm_eps must be a positive number, got " + layerNormEps);
    }
  }

  /**
   * Reads {@code config.json}.
   *
   * @throws ModelFormatException naming the file and key when something is missing, malformed or unsupported
   */
  public static BertConfig read(Path file) throws IOException {
    JsonNode root = Json.readObject(file);
    String type = root.path("model_type").asText("bert");
    boolean distil = type.equals("distilbert");
    int positionOffset = switch (type) {
      case "bert", "distilbert" -> 0;
      case "electra" -> 0;
      // RobertaEmbeddings: position ids are padding_idx + 1, + 2, ... for real tokens and padding_idx for padding.
      case "roberta", "xlm-roberta", "camembert" -> {
        JsonNode pad = root.path("pad_token_id");
        if (!pad.isMissingNode() && !pad.isNull() && !(pad.isIntegralNumber() && pad.asInt() >= 0)) {
          throw new ModelFormatException(file + ": 'pad_token_id' must be a non-negative integer, got " + pad);
        }
        yield pad.asInt(1) + 1;
      }
      default -> throw new ModelFormatException(file + ": model_type '" + type
          + "' is not supported (supported: bert, roberta, xlm-roberta, camembert, distilbert, electra, and BERT-shaped checkpoints such as MiniLM)");
    };
    if (distil && Json.bool(root, "sinusoidal_pos_embds", false, file)) {
      throw new ModelFormatException(file + ": sinusoidal_pos_embds is not supported (only learned position embeddings)");
    }
    String positions = root.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new ModelFormatException(file + ": position_embedding_type '" + positions + "' is not supported (only 'absolute')");
    }
    if (Json.bool(root, "is_decoder", false, file) || Json.bool(root, "add_cross_attention", false, file)) {
      throw new ModelFormatException(file + ": decoder / cross-attention BERT configurations are not supported");
    }
    String act = root.path(distil ? "activation" : "hidden_act").asText("gelu");
    Activation activation = switch (act) {
      case "gelu" -> Activation.GELU;
      case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
      case "relu" -> Activation.RELU;
      default -> throw new ModelFormatException(file + ": hidden_act '" + act + "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
    };
    int numLabels = root.has("num_labels") ? Json.positiveInt(root, "num_labels", file) : 2;
    Map<Integer, String> byId = new TreeMap<>();
    JsonNode id2label = root.get("id2label");
    if (id2label != null && id2label.isObject()) {
      for (var it = id2label.fields(); it.hasNext(); ) {
        var e = it.next();
        try {
          byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
        } catch (NumberFormatException ex) {
          throw new ModelFormatException(file + ": id2label key '" + e.getKey() + "' is not an integer");
        }
      }
      if (!root.has("num_labels")) {
        numLabels = byId.size();
      }
    }
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < numLabels; i++) {
      labels.add(byId.getOrDefault(i, "LABEL_" + i));
    }
    List<String> architectures = new ArrayList<>();
    root.path("architectures").forEach(a -> architectures.add(a.asText()));
    JsonNode problem = root.path("problem_type");
    String problemType = problem.isMissingNode() || problem.isNull() ? "single_label_classification" : problem.asText("");
    if (!List.of("single_label_classification", "multi_label_classification", "regression").contains(problemType) || !problem.isMissingNode() && !problem.isNull() && !problem.isTextual()) {
      throw new ModelFormatException(file + ": problem_type " + problem + " is not one of single_label_classification, multi_label_classification, regression");
    }
    JsonNode epsNode = root.path("layer_norm_eps");
    if (!epsNode.isMissingNode() && !epsNode.isNull() && !epsNode.isNumber()) {
      throw new ModelFormatException(file + ": 'layer_norm_eps' must be a number, got " + epsNode);
    }
    // DistilBERT's LayerNorms are built with eps 1e-12 whatever the file says, and it has no token types.
    double eps = distil ? 1e-12 : epsNode.asDouble(1e-12);
    int typeVocab = distil ? 1 : root.has("type_vocab_size") ? Json.positiveInt(root, "type_vocab_size", file) : 2;
    int hidden = Json.positiveInt(root, distil ? "dim" : "hidden_size", file);
    int embedding = type.equals("electra") && root.has("embedding_size") ? Json.positiveInt(root, "embedding_size", file) : hidden;
    try {
      return new BertConfig(Json.positiveInt(root, "vocab_size", file), hidden,
          Json.positiveInt(root, distil ? "n_layers" : "num_hidden_layers", file), Json.positiveInt(root, distil ? "n_heads" : "num_attention_heads", file),
          Json.positiveInt(root, distil ? "hidden_dim" : "intermediate_size", file), activation, Json.positiveInt(root, "max_position_embeddings", file),
          typeVocab, (float) eps, Collections.unmodifiableList(labels), architectures, positionOffset, problemType.equals("multi_label_classification"), type,
          embedding);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": " + e.getMessage(), e);
    }
  }

  /** The longest sequence the model takes, special tokens included: {@code max_position_embeddings - positionOffset}. */
  public int maxSequenceLength() {
    return maxPositions - positionOffset;
  }

  /** Width of one attention head. */
  public int headSize() {
    return hiddenSize / heads;
  }
}
