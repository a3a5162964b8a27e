package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.safetensors.SafeTensors;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.ByteLevelBpeTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RoBERTa folder as Hugging Face saves one (byte-level BPE {@code tokenizer.json}, {@code roberta.} weights, one
 * token type, positions from {@code pad_token_id + 1}) loads with the right tokenizer and limits. Its numbers are
 * the conformance suite's RoBERTa-layout cases, which run on real backends.
 */
class RobertaFolderTest {
  private static final int HIDDEN = 8;
  private static final int POSITIONS = 20;
  @TempDir Path dir;

  private Path folder() throws IOException {
    return folder(1);
  }

  /** The folder, with {@code fileLayers} encoder layers in its weights file (config.json says 1). */
  private Path folder(int fileLayers) throws IOException {
    Path bpe = Refs.bpe();
    Files.copy(bpe.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.copy(bpe.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
    return folder(fileLayers, "roberta", 4261);
  }

  /** The folder's config.json and weights, for a tokenizer of {@code vocab} tokens already in place. */
  private Path folder(int fileLayers, String modelType, int vocab) throws IOException {
    Files.writeString(dir.resolve("config.json"), """
        {"architectures": ["RobertaForMaskedLM"], "model_type": "%s", "vocab_size": %d, "hidden_size": %d, "num_hidden_layers": 1,
         "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu", "max_position_embeddings": %d, "type_vocab_size": 1,
         "layer_norm_eps": 1e-5, "pad_token_id": 1}""".formatted(modelType, vocab, HIDDEN, POSITIONS));
    Random random = new Random(7);
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> w = new LinkedHashMap<>();
      String e = "roberta.embeddings.";
      put(w, scope, random, e + "word_embeddings.weight", vocab, HIDDEN);
      put(w, scope, random, e + "position_embeddings.weight", POSITIONS, HIDDEN);
      put(w, scope, random, e + "token_type_embeddings.weight", 1, HIDDEN);
      norm(w, scope, e + "LayerNorm");
      for (int i = 0; i < fileLayers; i++) {
        String l = "roberta.encoder.layer." + i + ".";
        for (String n : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
          linear(w, scope, random, l + n, HIDDEN, HIDDEN);
        }
        linear(w, scope, random, l + "intermediate.dense", 16, HIDDEN);
        linear(w, scope, random, l + "output.dense", HIDDEN, 16);
        norm(w, scope, l + "attention.output.LayerNorm");
        norm(w, scope, l + "output.LayerNorm");
      }
      linear(w, scope, random, "lm_head.dense", HIDDEN, HIDDEN);
      norm(w, scope, "lm_head.layer_norm");
      put(w, scope, random, "lm_head.bias", vocab);
      SafeTensors.write(dir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    }
    return dir;
  }

  private static void put(Map<String, Tensor> w, TensorScope scope, Random random, String name, int... dims) {
    Tensor t = scope.allocate(dims);
    float[] v = new float[(int) t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian() * 0.1f;
    }
    t.copyFrom(v);
    w.put(name, t);
  }

  private static void linear(Map<String, Tensor> w, TensorScope scope, Random random, String name, int out, int in) {
    put(w, scope, random, name + ".weight", out, in);
    put(w, scope, random, name + ".bias", out);
  }

  private static void norm(Map<String, Tensor> w, TensorScope scope, String name) {
    Tensor g = scope.allocate(HIDDEN);
    g.fill(1f);
    Tensor b = scope.allocate(HIDDEN);
    b.fill(0f);
    w.put(name + ".weight", g);
    w.put(name + ".bias", b);
  }

  @Test
  void loadsWithItsTokenizerHeadsAndLimits() throws IOException {
    try (BertModel model = BertModel.load(folder()); var backend = new NoComputeBackend(); TensorScope scope = TensorScope.open()) {
      assertInstanceOf(ByteLevelBpeTokenizer.class, model.tokenizer());
      assertEquals(List.of(), model.unusedWeights());
      assertEquals(2, model.config().positionOffset());
      assertEquals(POSITIONS - 2, model.config().maxSequenceLength());
      assertTrue(model.heads().available().contains("masked-lm"), model.heads().available().toString());
      BatchEncoding enc = model.tokenizer().encodeBatch(List.of("a long text ".repeat(20), "The <mask> sat."), null, model.config().maxSequenceLength());
      assertEquals(POSITIONS - 2, enc.sequenceLength(), "truncated to the longest sequence the positions allow");
      assertEquals(model.tokenizer().padId(), enc.inputIds()[1][enc.sequenceLength() - 1]);
      model.validate(ModelInput.of(enc));
      var e = assertThrows(IllegalArgumentException.class, () -> model.validate(new ModelInput(new int[1][POSITIONS - 1], null, null)));
      assertTrue(e.getMessage().contains("limit " + (POSITIONS - 2)) && e.getMessage().contains("position ids from 2"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> model.forward(backend, scope, new ModelInput(new int[][] {{0, 5, 2}}, new int[][] {{0, 1, 0}}, null), false, false));
      assertTrue(e.getMessage().contains("token_type_ids[0][1] = 1"), e.getMessage());
    }
  }

  /** More layers in the weights than config.json names: Hugging Face loads the first ones and warns; so does attn4j. */
  @Test
  void weightsTheConfigDoesNotUseAreReported() throws IOException {
    try (BertModel model = BertModel.load(folder(2))) {
      List<String> unused = model.unusedWeights();
      assertEquals(16, unused.size(), unused.toString());
      assertTrue(unused.stream().allMatch(n -> n.startsWith("roberta.encoder.layer.1.")), unused.toString());
      assertEquals(1, model.config().layers());
    }
  }

  /** The slow tokenizer's files, without tokenizer.json, load as the same byte-level BPE. */
  @Test
  void slowTokenizerFilesLoadWithTheModel() throws IOException {
    Path folder = folder();
    BpeTokenizerGoldenTest.writeSlowFiles(folder.resolve("tokenizer.json"), folder);
    Files.delete(folder.resolve("tokenizer.json"));
    try (BertModel model = BertModel.load(folder)) {
      assertInstanceOf(ByteLevelBpeTokenizer.class, model.tokenizer());
      assertEquals(List.of("<s>", "The", "<mask>", "Ġsat", ".", "</s>"),
          model.tokenizer().encode("The <mask> sat.", null, 18).tokens().stream().map(dev.attn4j.models.tokenizer.Token::text).toList());
    }
  }

  /** An XLM-RoBERTa folder: the SentencePiece Unigram tokenizer.json, the same weights layout. */
  @Test
  void xlmRobertaLoadsWithItsUnigramTokenizer() throws IOException {
    Files.copy(Refs.unigram().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    try (BertModel model = BertModel.load(folder(1, "xlm-roberta", 1002))) {
      assertInstanceOf(dev.attn4j.models.tokenizer.UnigramTokenizer.class, model.tokenizer());
      assertEquals(2, model.config().positionOffset());
      assertEquals(model.tokenizer().id("<mask>"), model.tokenizer().maskId());
      assertEquals(1, model.tokenizer().padId());
      BatchEncoding enc = model.tokenizer().encodeBatch(List.of("Der schnelle braune Fuchs springt über den faulen Hund.", "<mask>"), null,
          model.config().maxSequenceLength());
      assertEquals(POSITIONS - 2, enc.sequenceLength());
      model.validate(ModelInput.of(enc));
    }
  }
}
