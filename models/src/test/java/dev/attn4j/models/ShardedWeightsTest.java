package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.internal.WeightFiles;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint sharded as Hugging Face saves one above {@code max_shard_size} ({@code model.safetensors.index.json}
 * and its shards) loads with the same tensors as the single file; a malformed index is an error naming it. Its numbers
 * on every backend are the conformance suite's RoBERTa-layout cases, which are written sharded.
 */
class ShardedWeightsTest {
  @TempDir Path dir;

  /** synthetic-bert-tiny's weights split over two shards, with the index. */
  private Path sharded() throws IOException {
    Refs.copy("synthetic-bert-tiny", dir, "config.json", "vocab.txt", "tokenizer_config.json");
    try (SafeTensors single = SafeTensors.open(Refs.model("synthetic-bert-tiny").resolve("model.safetensors")); TensorScope scope = TensorScope.open()) {
      List<String> names = new ArrayList<>(single.names());
      Map<String, Tensor> first = new LinkedHashMap<>();
      Map<String, Tensor> second = new LinkedHashMap<>();
      StringBuilder map = new StringBuilder();
      for (int i = 0; i < names.size(); i++) {
        String shard = i < names.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        (i < names.size() / 2 ? first : second).put(names.get(i), single.tensor(names.get(i), scope));
        map.append(i == 0 ? "" : ", ").append('"').append(names.get(i)).append("\": \"").append(shard).append('"');
      }
      SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
      SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
      Files.writeString(dir.resolve(WeightFiles.INDEX), "{\"metadata\": {\"total_size\": 1}, \"weight_map\": {" + map + "}}");
    }
    return dir;
  }

  @Test
  void shardsHoldTheSameTensorsAsTheSingleFile() throws IOException {
    try (WeightFiles shards = WeightFiles.open(sharded()); SafeTensors single = SafeTensors.open(Refs.model("synthetic-bert-tiny").resolve("model.safetensors"));
        TensorScope scope = TensorScope.open()) {
      assertEquals(single.names(), shards.names());
      for (String n : single.names()) {
        assertArrayEquals(single.tensor(n, scope).toArray(), shards.tensor(n, scope).toArray(), n);
      }
      assertTrue(shards.fileOf("encoder.layer.2.output.dense.weight").getFileName().toString().startsWith("model-0000"));
    }
    try (BertModel model = BertModel.load(dir)) {
      assertEquals(List.of(), model.unusedWeights());
      assertEquals(3, model.config().layers());
    }
    // The folder named relatively and through ".": the shards are still its own files.
    try (BertModel model = BertModel.load(Path.of("").toAbsolutePath().relativize(dir).resolve("."))) {
      assertEquals(3, model.config().layers());
    }
  }

  @Test
  void aMalformedIndexIsAnErrorNamingIt() throws IOException {
    Path index = sharded().resolve(WeightFiles.INDEX);
    String good = Files.readString(index);
    Files.writeString(index, good.replace("model-00002-of-00002.safetensors", "../elsewhere.safetensors"));
    assertError("which is not a file of this folder");
    Files.writeString(index, good.replace("model-00002-of-00002.safetensors", "model-00003-of-00002.safetensors"));
    assertError("shard 'model-00003-of-00002.safetensors'");
    Files.writeString(index, good.replace("\"embeddings.LayerNorm.bias\"", "\"embeddings.LayerNorm.gone\""));
    assertError("tensor 'embeddings.LayerNorm.gone' is missing (model.safetensors.index.json places it here)");
    Files.writeString(index, "{\"metadata\": {}}");
    assertError("'weight_map' must be a non-empty object");
    Files.delete(index);
    var e = assertThrows(ModelFormatException.class, () -> BertModel.load(dir));
    assertTrue(e.getMessage().contains("model.safetensors is missing"), e.getMessage());
  }

  private void assertError(String message) {
    var e = assertThrows(ModelFormatException.class, () -> BertModel.load(dir));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
