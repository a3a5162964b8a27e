package dev.attn4j.conformance;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a BERT checkpoint folder in DistilBERT's layout, so that the BERT goldens also check DistilBERT loading:
 * its config keys ({@code dim}, {@code n_layers}, {@code hidden_dim}, ...), {@code distilbert.transformer.layer.N}
 * names ({@code q_lin}, {@code sa_layer_norm}, {@code ffn.lin1}, ...), and its masked-LM head ({@code vocab_transform},
 * {@code vocab_layer_norm}, {@code vocab_projector}, the same computation as BERT's). DistilBERT has no token types:
 * BERT's type-0 row is added into every position row, which is exactly what a type-0 token sees in BERT, so every input
 * whose token types are all 0 gives the BERT goldens. No pooler, no next-sentence head. A sequence head becomes
 * {@code pre_classifier} (BERT's pooler weights) + {@code classifier}, which DistilBERT runs with ReLU where BERT has
 * tanh; a checkpoint without heads gets a seeded one of 3 labels, whose logits are checked against a float64 oracle on
 * the golden hidden states. Stateless.
 */
final class DistilBertLayout {
  private DistilBertLayout() {}

  /** Writes the DistilBERT copy of BERT folder {@code bert} into the new folder {@code out}; returns {@code out}. */
  static Path write(Path bert, Path out) throws IOException {
    Files.createDirectories(out);
    ObjectNode bertConfig = Layouts.readConfig(bert);
    ObjectNode config = Layouts.JSON.createObjectNode();
    ArrayNode architectures = config.putArray("architectures");
    bertConfig.path("architectures").forEach(a -> architectures.add(a.asText().replace("Bert", "DistilBert")));
    boolean sequenceHead = bertConfig.path("architectures").toString().contains("ForSequenceClassification");
    // A checkpoint without heads gets a seeded sequence head, so that DistilBERT's pre_classifier + ReLU runs too.
    boolean addHead = !bertConfig.has("id2label") && bertConfig.path("architectures").toString().contains("BertModel");
    if (addHead) {
      architectures.removeAll().add("DistilBertForSequenceClassification");
      config.putObject("id2label").put("0", "a").put("1", "b").put("2", "c");
    }
    config.put("model_type", "distilbert").put("vocab_size", bertConfig.path("vocab_size").asInt()).put("dim", bertConfig.path("hidden_size").asInt())
        .put("n_layers", bertConfig.path("num_hidden_layers").asInt()).put("n_heads", bertConfig.path("num_attention_heads").asInt())
        .put("hidden_dim", bertConfig.path("intermediate_size").asInt()).put("activation", bertConfig.path("hidden_act").asText("gelu"))
        .put("max_position_embeddings", bertConfig.path("max_position_embeddings").asInt()).put("sinusoidal_pos_embds", false)
        .put("pad_token_id", 0);
    for (String key : List.of("id2label", "label2id", "num_labels")) {
      if (bertConfig.has(key)) {
        config.set(key, bertConfig.get(key));
      }
    }
    Layouts.writeConfigAndTokenizer(bert, out, config);
    try (SafeTensors in = SafeTensors.open(bert.resolve("model.safetensors")); TensorScope scope = TensorScope.open()) {
      String prefix = in.names().contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : in.names()) {
        if (!in.info(name).orElseThrow().dtype().floating()) {
          continue;
        }
        String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        String renamed = rename(bare, sequenceHead);
        if (renamed == null) {
          continue;
        }
        Tensor t = in.tensor(name, scope);
        if (bare.equals("embeddings.position_embeddings.weight")) {
          t = withTypeZero(t, in.tensor(prefix + "embeddings.token_type_embeddings.weight", scope), scope);
        }
        tensors.put(renamed, t);
      }
      if (addHead) {
        int h = bertConfig.path("hidden_size").asInt();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        tensors.put("pre_classifier.weight", Layouts.seeded(scope, random, h, h));
        tensors.put("pre_classifier.bias", Layouts.seeded(scope, random, h));
        tensors.put("classifier.weight", Layouts.seeded(scope, random, 3, h));
        tensors.put("classifier.bias", Layouts.seeded(scope, random, 3));
      }
      SafeTensors.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }
    return out;
  }

  /**
   * The DistilBERT name of BERT tensor {@code name} (prefix removed), or null when DistilBERT has no such tensor here.
   * With a sequence head, BERT's pooler becomes DistilBERT's {@code pre_classifier}: the same weights, followed by ReLU
   * where BERT has tanh, so that case needs its own oracle.
   */
  private static String rename(String name, boolean sequenceHead) {
    if (sequenceHead && name.startsWith("pooler.dense.")) {
      return "pre_classifier." + name.substring("pooler.dense.".length());
    }
    if (name.startsWith("embeddings.token_type_embeddings.") || name.startsWith("pooler.") || name.startsWith("cls.seq_relationship.")) {
      return null;
    }
    if (name.startsWith("embeddings.")) {
      return "distilbert." + name;
    }
    if (name.startsWith("encoder.layer.")) {
      String rest = name.substring("encoder.layer.".length());
      int dot = rest.indexOf('.');
      String layer = rest.substring(0, dot);
      String part = rest.substring(dot + 1)
          .replace("attention.self.query.", "attention.q_lin.").replace("attention.self.key.", "attention.k_lin.")
          .replace("attention.self.value.", "attention.v_lin.").replace("attention.output.dense.", "attention.out_lin.")
          .replace("attention.output.LayerNorm.", "sa_layer_norm.").replace("intermediate.dense.", "ffn.lin1.")
          .replace("output.dense.", "ffn.lin2.").replace("output.LayerNorm.", "output_layer_norm.");
      return "distilbert.transformer.layer." + layer + "." + part;
    }
    if (name.startsWith("cls.predictions.")) {
      String rest = name.substring("cls.predictions.".length());
      return switch (rest) {
        case "bias" -> "vocab_projector.bias";
        case "decoder.weight" -> "vocab_projector.weight";
        default -> rest.replace("transform.dense.", "vocab_transform.").replace("transform.LayerNorm.", "vocab_layer_norm.");
      };
    }
    return name.startsWith("classifier.") || name.startsWith("qa_outputs.") ? name : null;
  }

  /** The position table with the type-0 row added to each row. */
  private static Tensor withTypeZero(Tensor positions, Tensor types, TensorScope scope) {
    float[] p = positions.toArray();
    float[] t = types.toArray();
    int h = positions.dim(1);
    for (int i = 0; i < p.length; i++) {
      p[i] += t[i % h];
    }
    return scope.of(p, positions.dim(0), h);
  }
}
