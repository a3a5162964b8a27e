package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model files' JSON reader (the streaming parser behind config.json, tokenizer files and safetensors headers). */
class ModelJsonTest {
  private static final String CONFIG = """
      {"model_type": "bert", "vocab_size": 30, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
       "intermediate_size": 16, "max_position_embeddings": 12, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
       "hidden_act": "gelu"}""";

  @TempDir Path dir;

  private Path write(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void readsNumbersOfEveryKind() throws IOException {
    BertConfig c = BertConfig.read(write(CONFIG));
    assertEquals(8, c.hiddenSize());
    assertEquals(1e-12f, c.layerNormEps());
  }

  @Test
  void badValuesAreErrorsNamingTheKey() throws IOException {
    for (String[] bad : new String[][] {
        {"\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": \"1e-12x\"", "'layer_norm_eps' must be a number"},
        {"\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": -1", "layer_norm_eps must be a positive number"},
        {"\"hidden_size\": 8", "\"hidden_size\": 8.5", "'hidden_size' must be a positive integer"},
        {"\"num_attention_heads\": 2", "\"num_attention_heads\": 3", "not divisible by num_attention_heads 3"},
        {"\"hidden_act\": \"gelu\"", "\"hidden_act\": \"swish\"", "hidden_act 'swish'"}}) {
      Path f = write(CONFIG.replace(bad[0], bad[1]));
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(f), bad[1]);
      assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(bad[2]), e.getMessage());
    }
    // Absent or null epsilon means Hugging Face's default.
    assertEquals(1e-12f, BertConfig.read(write(CONFIG.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": null"))).layerNormEps());
  }

  /** The RoBERTa family counts positions on from its padding index, so two of its position rows hold no token. */
  @Test
  void robertaFamilyPositionsStartPastThePaddingIndex() throws IOException {
    BertConfig bert = BertConfig.read(write(CONFIG));
    assertEquals(0, bert.positionOffset());
    assertEquals(12, bert.maxSequenceLength());
    for (String type : new String[] {"roberta", "xlm-roberta", "camembert"}) {
      BertConfig c = BertConfig.read(write(CONFIG.replace("\"bert\"", "\"" + type + "\"")));
      assertEquals(2, c.positionOffset(), type + ": pad_token_id defaults to 1");
      assertEquals(10, c.maxSequenceLength(), type);
    }
    BertConfig padZero = BertConfig.read(write(CONFIG.replace("\"bert\"", "\"roberta\", \"pad_token_id\": 0")));
    assertEquals(1, padZero.positionOffset());
    assertEquals(11, padZero.maxSequenceLength());
    for (String[] bad : new String[][] {{"\"pad_token_id\": -1", "'pad_token_id' must be a non-negative integer"},
        {"\"pad_token_id\": \"1\"", "'pad_token_id' must be a non-negative integer"}, {"\"pad_token_id\": 11", "leaves no room"}}) {
      Path f = write(CONFIG.replace("\"bert\"", "\"roberta\", " + bad[0]));
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(f), bad[0]);
      assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(bad[1]), e.getMessage());
    }
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(write(CONFIG.replace("\"bert\"", "\"deberta-v2\""))));
    assertTrue(e.getMessage().contains("model_type 'deberta-v2' is not supported"), e.getMessage());
  }

  @Test
  void duplicateKeysAndTrailingContentAreErrorsNamingTheFile() throws IOException {
    Path dup = write(CONFIG.replace("\"hidden_act\": \"gelu\"}", "\"hidden_act\": \"gelu\", \"hidden_size\": 16}"));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(dup));
    assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("hidden_size"), e.getMessage());
    Path trailing = write(CONFIG + " {}");
    e = assertThrows(ModelFormatException.class, () -> BertConfig.read(trailing));
    assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("after the end"), e.getMessage());
    Path truncated = write(CONFIG.substring(0, CONFIG.length() / 2));
    assertThrows(ModelFormatException.class, () -> BertConfig.read(truncated));
  }

  /** A flag written as a string or a number ("yes", "true", 1) is an error naming the file and key, never a guess. */
  @Test
  void flagsMustBeJsonBooleans() throws IOException {
    Path config = write(CONFIG.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu\", \"is_decoder\": \"false\""));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(config));
    assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'is_decoder' must be true or false"), e.getMessage());

    Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nHello\n");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": \"yes\"}");
    e = assertThrows(ModelFormatException.class, () -> dev.attn4j.models.tokenizer.Tokenizer.load(dir));
    assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("'do_lower_case'"), e.getMessage());
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false, \"strip_accents\": null}");
    assertEquals(6, dev.attn4j.models.tokenizer.Tokenizer.load(dir).tokenize("Hello").getFirst().id(), "cased, as the file says");

    Path pooling = Files.createDirectories(dir.resolve("1_Pooling"));
    Files.writeString(dir.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]""");
    Files.writeString(pooling.resolve("config.json"), "{\"word_embedding_dimension\": 8, \"pooling_mode_mean_tokens\": 1}");
    e = assertThrows(ModelFormatException.class, () -> dev.attn4j.models.heads.SentenceTransformersConfig.read(dir));
    assertTrue(e.getMessage().contains("'pooling_mode_mean_tokens' must be true or false"), e.getMessage());
  }

  /** DistilBERT names its sizes its own way, has one token type and a fixed LayerNorm epsilon. */
  @Test
  void distilBertConfigsMapOntoTheSameShape() throws IOException {
    String distil = """
        {"model_type": "distilbert", "vocab_size": 30, "dim": 8, "n_layers": 2, "n_heads": 2, "hidden_dim": 16, "activation": "gelu",
         "max_position_embeddings": 12, "sinusoidal_pos_embds": false, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}}""";
    BertConfig c = BertConfig.read(write(distil));
    assertEquals(List.of(8, 2, 2, 16, 1, 12), List.of(c.hiddenSize(), c.layers(), c.heads(), c.intermediateSize(), c.typeVocabSize(), c.maxSequenceLength()));
    assertEquals(1e-12f, c.layerNormEps());
    assertEquals("distilbert", c.modelType());
    assertEquals(List.of("NEGATIVE", "POSITIVE"), c.labels());
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(write(distil.replace("\"sinusoidal_pos_embds\": false", "\"sinusoidal_pos_embds\": true"))));
    assertTrue(e.getMessage().contains("sinusoidal_pos_embds"), e.getMessage());
    e = assertThrows(ModelFormatException.class, () -> BertConfig.read(write(distil.replace("\"dim\": 8, ", ""))));
    assertTrue(e.getMessage().contains("missing 'dim'"), e.getMessage());
  }

  /** ELECTRA is BERT's shape under other names, with embeddings that may be narrower than the layers. */
  @Test
  void electraConfigsMayHaveNarrowerEmbeddings() throws IOException {
    String electra = CONFIG.replace("\"bert\"", "\"electra\"").replace("\"hidden_size\": 8", "\"hidden_size\": 8, \"embedding_size\": 8");
    assertEquals("electra", BertConfig.read(write(electra)).modelType());
    assertEquals(8, BertConfig.read(write(electra)).embeddingSize());
    assertEquals(4, BertConfig.read(write(electra.replace("\"embedding_size\": 8", "\"embedding_size\": 4"))).embeddingSize());
    assertEquals(8, BertConfig.read(write(CONFIG.replace("\"hidden_size\": 8", "\"hidden_size\": 8, \"embedding_size\": 4"))).embeddingSize(),
        "only ELECTRA reads embedding_size");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.read(write(electra.replace("\"embedding_size\": 8", "\"embedding_size\": 0"))));
    assertTrue(e.getMessage().contains("'embedding_size' must be a positive integer"), e.getMessage());
  }
}
