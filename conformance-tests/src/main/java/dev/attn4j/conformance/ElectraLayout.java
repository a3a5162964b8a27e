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
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Rewrites a BERT checkpoint folder in ELECTRA's layout (a discriminator: BERT's layers under {@code electra.},
 * embeddings as wide as the hidden layers, no pooler), so that the BERT goldens also check ELECTRA loading: every
 * input, token types included. The masked-LM, next-sentence and BERT sequence heads have no ELECTRA equivalent here and
 * are left out; a checkpoint without heads gets a seeded {@code ElectraClassificationHead} ({@code classifier.dense},
 * GELU, {@code classifier.out_proj}) of 3 labels, whose logits are checked against a float64 oracle. Stateless.
 */
final class ElectraLayout {
  private ElectraLayout() {}

  /** Writes the ELECTRA copy of BERT folder {@code bert} into the new folder {@code out}; returns {@code out}. */
  static Path write(Path bert, Path out) throws IOException {
    Files.createDirectories(out);
    ObjectNode config = Layouts.readConfig(bert);
    int h = config.path("hidden_size").asInt();
    boolean addHead = !config.has("id2label") && config.path("architectures").toString().contains("BertModel");
    ArrayNode architectures = Layouts.JSON.createArrayNode();
    config.path("architectures").forEach(a -> architectures.add(a.asText().replace("Bert", "Electra")));
    if (addHead) {
      architectures.removeAll().add("ElectraForSequenceClassification");
      config.putObject("id2label").put("0", "a").put("1", "b").put("2", "c");
    }
    config.set("architectures", architectures);
    config.put("model_type", "electra").put("embedding_size", h);
    Layouts.writeConfigAndTokenizer(bert, out, config);
    try (SafeTensors in = SafeTensors.open(bert.resolve("model.safetensors")); TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : in.names()) {
        if (!in.info(name).orElseThrow().dtype().floating()) {
          continue;
        }
        String bare = name.startsWith("bert.") ? name.substring("bert.".length()) : name;
        if (bare.startsWith("embeddings.") || bare.startsWith("encoder.")) {
          tensors.put("electra." + bare, in.tensor(name, scope));
        } else if (bare.startsWith("qa_outputs.") || bare.startsWith("classifier.") && config.path("architectures").toString().contains("TokenClassification")) {
          tensors.put(bare, in.tensor(name, scope));
        }
      }
      if (addHead) {
        SplittableRandom random = new SplittableRandom(11);
        tensors.put("classifier.dense.weight", Layouts.seeded(scope, random, h, h));
        tensors.put("classifier.dense.bias", Layouts.seeded(scope, random, h));
        tensors.put("classifier.out_proj.weight", Layouts.seeded(scope, random, 3, h));
        tensors.put("classifier.out_proj.bias", Layouts.seeded(scope, random, 3));
      }
      SafeTensors.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }
    return out;
  }

  /**
   * ELECTRA-small's shape from BERT folder {@code bert}: its encoder layers as they are, under embedding tables and a
   * LayerNorm of width {@code width} (seeded) projected up by a seeded {@code embeddings_project}. No golden covers it:
   * the embedding output is checked against a float64 oracle, the layers above it are the BERT layers the goldens check.
   */
  static Path writeNarrow(Path bert, Path out, int width) throws IOException {
    Files.createDirectories(out);
    ObjectNode config = Layouts.readConfig(bert);
    int h = config.path("hidden_size").asInt();
    config.putArray("architectures").add("ElectraModel");
    config.put("model_type", "electra").put("embedding_size", width);
    Layouts.writeConfigAndTokenizer(bert, out, config);
    try (SafeTensors in = SafeTensors.open(bert.resolve("model.safetensors")); TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      SplittableRandom random = new SplittableRandom(13);
      tensors.put("electra.embeddings.word_embeddings.weight", Layouts.seeded(scope, random, config.path("vocab_size").asInt(), width));
      tensors.put("electra.embeddings.position_embeddings.weight", Layouts.seeded(scope, random, config.path("max_position_embeddings").asInt(), width));
      tensors.put("electra.embeddings.token_type_embeddings.weight", Layouts.seeded(scope, random, config.path("type_vocab_size").asInt(), width));
      tensors.put("electra.embeddings.LayerNorm.weight", Layouts.seeded(scope, random, width));
      tensors.put("electra.embeddings.LayerNorm.bias", Layouts.seeded(scope, random, width));
      tensors.put("electra.embeddings_project.weight", Layouts.seeded(scope, random, h, width));
      tensors.put("electra.embeddings_project.bias", Layouts.seeded(scope, random, h));
      for (String name : in.names()) {
        String bare = name.startsWith("bert.") ? name.substring("bert.".length()) : name;
        if (bare.startsWith("encoder.") && in.info(name).orElseThrow().dtype().floating()) {
          tensors.put("electra." + bare, in.tensor(name, scope));
        }
      }
      SafeTensors.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }
    return out;
  }
}
