package dev.attn4j.conformance;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a BERT checkpoint folder in the RoBERTa family's layout, so that the BERT goldens also check RoBERTa
 * loading: {@code roberta.} names, position ids that start past the padding index ({@code pad_token_id + 1}, the
 * table grown by that many rows in front), {@code lm_head.*} for the masked-LM head and
 * {@code classifier.dense}/{@code classifier.out_proj} for the sequence head (BERT's pooler + classifier, which
 * compute the same {@code out_proj(tanh(dense(h[:, 0])))}). No next-sentence head: RoBERTa has none. Every real
 * token then sees exactly the numbers it saw in BERT; padding takes the padding row, as RoBERTa's does. The weights
 * are written as three shards with an index, as Hugging Face saves a large checkpoint. Stateless.
 */
final class RobertaLayout {
  /** The BERT vocabularies' {@code [PAD]}: RoBERTa's padding index here, so its position ids start at 1. */
  private static final int PAD = 0;
  /** Weight files the copy is split over. */
  private static final int SHARDS = 3;

  private RobertaLayout() {}

  /** Writes the RoBERTa copy of BERT folder {@code bert} into the new folder {@code out}; returns {@code out}. */
  static Path write(Path bert, Path out) throws IOException {
    Files.createDirectories(out);
    ObjectNode config = Layouts.readConfig(bert);
    int offset = PAD + 1;
    int positions = config.path("max_position_embeddings").asInt();
    boolean sequenceHead = false;
    ArrayNode architectures = Layouts.JSON.createArrayNode();
    for (var a : config.path("architectures")) {
      sequenceHead |= a.asText().endsWith("ForSequenceClassification");
      architectures.add(a.asText().replace("Bert", "Roberta"));
    }
    config.set("architectures", architectures);
    config.put("model_type", "roberta").put("pad_token_id", PAD).put("max_position_embeddings", positions + offset);
    Layouts.writeConfigAndTokenizer(bert, out, config);
    try (SafeTensors in = SafeTensors.open(bert.resolve("model.safetensors")); TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : in.names()) {
        if (in.info(name).orElseThrow().dtype().floating()) {
          String renamed = rename(name.startsWith("bert.") ? name.substring(5) : name, sequenceHead);
          if (renamed != null) {
            Tensor t = in.tensor(name, scope);
            tensors.put(renamed, renamed.endsWith("position_embeddings.weight") ? shifted(t, offset, scope) : t);
          }
        }
      }
      writeShards(out, tensors);
    }
    return out;
  }

  /**
   * Writes {@code tensors} as Hugging Face does a checkpoint above {@code max_shard_size}: {@value #SHARDS} files
   * {@code model-0000i-of-0000n.safetensors} and a {@code model.safetensors.index.json} mapping each tensor to its file,
   * so that the same cases check sharded loading too.
   */
  private static void writeShards(Path out, Map<String, Tensor> tensors) throws IOException {
    List<Map<String, Tensor>> shards = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      shards.add(new LinkedHashMap<>());
    }
    ObjectNode index = Layouts.JSON.createObjectNode();
    index.putObject("metadata").put("total_size", tensors.values().stream().mapToLong(t -> t.size() * Float.BYTES).sum());
    ObjectNode map = index.putObject("weight_map");
    int k = 0;
    for (var e : tensors.entrySet()) {
      int shard = k++ * SHARDS / tensors.size();
      shards.get(shard).put(e.getKey(), e.getValue());
      map.put(e.getKey(), shardName(shard));
    }
    for (int i = 0; i < SHARDS; i++) {
      SafeTensors.write(out.resolve(shardName(i)), shards.get(i), Map.of("format", "pt"));
    }
    Layouts.JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("model.safetensors.index.json").toFile(), index);
  }

  private static String shardName(int i) {
    return String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, SHARDS);
  }

  /** The RoBERTa name of BERT tensor {@code name} (its {@code bert.} prefix removed), or null when RoBERTa has no such tensor. */
  private static String rename(String name, boolean sequenceHead) {
    if (sequenceHead && name.startsWith("pooler.dense.")) {
      return "classifier.dense." + name.substring("pooler.dense.".length());
    }
    if (sequenceHead && name.startsWith("classifier.")) {
      return "classifier.out_proj." + name.substring("classifier.".length());
    }
    if (name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler.")) {
      return "roberta." + name;
    }
    if (name.startsWith("cls.predictions.")) {
      String rest = name.substring("cls.predictions.".length());
      return "lm_head." + rest.replace("transform.dense.", "dense.").replace("transform.LayerNorm.", "layer_norm.");
    }
    return name.startsWith("cls.seq_relationship.") ? null : name;
  }

  /** The position table with {@code offset} zero rows in front (the padding row among them). */
  private static Tensor shifted(Tensor table, int offset, TensorScope scope) {
    Tensor out = scope.allocate(table.dim(0) + offset, table.dim(1));
    out.fill(0f);
    out.slice(0, offset, table.dim(0)).copyFrom(table);
    return out;
  }
}
