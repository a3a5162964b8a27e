package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's model commands end to end (in process): output contract, goldens, batching, streaming, errors. */
class ModelCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static Path refs(String model) {
    return CliRun.refs(model);
  }

  private Path jsonl(String... lines) throws IOException {
    Path f = Files.createTempFile(dir, "in", ".jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private static CliRun.Captured capture(boolean stderr, String... args) {
    return CliRun.capture(stderr, args);
  }

  @Test
  void encodeTimingReportsWhenTheModelWasReady() throws IOException {
    CliRun.Captured run = capture(true, "encode", "--model", refs("synthetic-bert-tiny").toString(), "--text", "hello world", "--backend", "java", "--timing",
        "--output", dir.resolve("t.json").toString());
    assertEquals(0, run.status());
    String text = run.text();
    assertTrue(text.matches("(?s).*timing: ready to encode \\d+ ms after JVM start .*first forward \\d+ ms \\(1 rows x \\d+ tokens\\).*"), text);
  }

  @Test
  void encodeMatchesTheGoldenWhetherBatchedOrNot() throws IOException {
    Path model = refs("synthetic-bert-tiny");
    JsonNode golden = JSON.readTree(model.resolve("golden/public/p06_batch_padding.json").toFile());
    List<String> lines = new ArrayList<>();
    for (JsonNode in : golden.path("inputs")) {
      lines.add(JSON.writeValueAsString(in));
    }
    Path input = jsonl(lines.toArray(String[]::new));
    for (String batch : new String[] {null, "1"}) {
      Path out = dir.resolve("out" + batch + ".json");
      List<String> args = new ArrayList<>(List.of("encode", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(), "--backend", "java"));
      if (batch != null) {
        args.addAll(List.of("--batch-size", batch));
      }
      assertEquals(0, Main.run(args.toArray(String[]::new)));
      JsonNode got = JSON.readTree(out.toFile());
      assertEquals("java", got.path("backend").asText());
      assertEquals(golden.path("input_ids"), got.path("input_ids"));
      assertEquals(golden.path("attention_mask"), got.path("attention_mask"));
      assertEquals(golden.path("tokens"), got.path("tokens"));
      double worst = 0;
      JsonNode mask = golden.path("attention_mask");
      for (int b = 0; b < mask.size(); b++) {
        for (int s = 0; s < mask.get(b).size(); s++) {
          if (mask.get(b).get(s).asInt() == 1) {
            for (int i = 0; i < 96; i++) {
              worst = Math.max(worst, Math.abs(golden.path("last_hidden_state").get(b).get(s).get(i).asDouble()
                  - got.path("last_hidden_state").get(b).get(s).get(i).asDouble()));
            }
          }
        }
      }
      assertTrue(worst <= 1e-4, "batch-size " + batch + ": max abs diff " + worst);
      assertEquals(mask.size(), got.path("pooler_output").size());
    }
  }

  @Test
  void streamedEmbeddingsKeepInputOrderAndEqualTheOneShotResult() throws IOException {
    Path model = refs("synthetic-bert-tiny");
    String[] lines = {"{\"text\": \"a long sentence about the cat and the dog and the mat\"}", "{\"text\": \"hi\"}",
        "{\"text\": \"the cat\", \"text_pair\": \"a dog\"}", "{\"input_ids\": [101, 171, 102]}", "{\"text\": \"mid length text here\"}"};
    Path input = jsonl(lines);
    Path streamed = dir.resolve("s.jsonl");
    Path whole = dir.resolve("w.json");
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--input", input.toString(), "--output", streamed.toString(), "--batch-size", "2",
        "--normalize", "--backend", "java"));
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--input", input.toString(), "--output", whole.toString(), "--normalize", "--backend", "java"));
    List<String> out = Files.readAllLines(streamed);
    JsonNode all = JSON.readTree(whole.toFile()).path("embeddings");
    assertEquals(lines.length, out.size());
    for (int i = 0; i < lines.length; i++) {
      JsonNode e = JSON.readTree(out.get(i)).path("embedding");
      for (int j = 0; j < e.size(); j++) {
        assertEquals(all.get(i).get(j).asDouble(), e.get(j).asDouble(), 1e-5, "row " + i);
      }
    }
  }

  @Test
  void embedFollowsTheModelsSentenceTransformersModulesUnlessTold() throws IOException {
    Path src = refs("synthetic-bert-tiny");
    Path model = dir.resolve("st");
    Files.createDirectories(model.resolve("1_Pooling"));
    for (String f : new String[] {"config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"}) {
      Files.copy(src.resolve(f), model.resolve(f));
    }
    Files.writeString(model.resolve("modules.json"), "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
        + " {\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"},"
        + " {\"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}]");
    Files.writeString(model.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
    JsonNode golden = JSON.readTree(src.resolve("golden/public/p01_simple.json").toFile());
    String text = golden.path("inputs").get(0).path("text").asText();
    Path out = dir.resolve("e.json");
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--text", text, "--backend", "java", "--output", out.toString()));
    assertClose(golden.path("sentence_embedding_cls_l2").get(0), JSON.readTree(out.toFile()).path("embeddings").get(0), "CLS, normalized");
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--text", text, "--backend", "java", "--output", out.toString(), "--pooling", "mean"));
    assertClose(golden.path("sentence_embedding_mean_pooled_l2").get(0), JSON.readTree(out.toFile()).path("embeddings").get(0), "mean, still normalized");
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--text", text, "--backend", "java", "--output", out.toString(), "--no-normalize"));
    double norm = 0;
    for (JsonNode v : JSON.readTree(out.toFile()).path("embeddings").get(0)) {
      norm += v.asDouble() * v.asDouble();
    }
    assertTrue(Math.abs(Math.sqrt(norm) - 1) > 0.1, "--no-normalize: norm " + Math.sqrt(norm));

    // A Dense module between pooling and Normalize (as LaBSE has): here a permutation, reversing the 96 features, so
    // the golden CLS embedding reversed is the answer. Given options do not drop it.
    Files.writeString(model.resolve("modules.json"), "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
        + " {\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"},"
        + " {\"path\": \"2_Dense\", \"type\": \"sentence_transformers.models.Dense\"},"
        + " {\"path\": \"3_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}]");
    Files.createDirectories(model.resolve("2_Dense"));
    Files.writeString(model.resolve("2_Dense/config.json"),
        "{\"in_features\": 96, \"out_features\": 96, \"bias\": false, \"activation_function\": \"torch.nn.modules.linear.Identity\"}");
    try (TensorScope scope = TensorScope.open()) {
      float[] reverse = new float[96 * 96];
      for (int o = 0; o < 96; o++) {
        reverse[o * 96 + (95 - o)] = 1;
      }
      SafeTensors.write(model.resolve("2_Dense/model.safetensors"), Map.of("linear.weight", scope.of(reverse, 96, 96)), Map.of());
    }
    JsonNode cls = golden.path("sentence_embedding_cls_l2").get(0);
    var reversed = JSON.createArrayNode();
    for (int i = cls.size() - 1; i >= 0; i--) {
      reversed.add(cls.get(i));
    }
    assertEquals(0, Main.run("embed", "--model", model.toString(), "--text", text, "--backend", "java", "--output", out.toString(), "--pooling", "cls", "--normalize"));
    assertClose(reversed, JSON.readTree(out.toFile()).path("embeddings").get(0), "CLS through the Dense permutation, normalized");
    Files.writeString(model.resolve("2_Dense/config.json"), "{\"in_features\": 384, \"out_features\": 96, \"bias\": false}");
    assertEquals(1, Main.run("embed", "--model", model.toString(), "--text", text, "--backend", "java", "--output", out.toString()));
  }

  private static void assertClose(JsonNode expected, JsonNode got, String what) {
    assertEquals(expected.size(), got.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).asDouble(), got.get(i).asDouble(), 1e-5, what + " at " + i);
    }
  }

  @Test
  void badInputIsAnErrorLineAndTheRightExitStatus() throws IOException {
    String model = refs("synthetic-bert-tiny").toString();
    assertEquals(Main.FAILED, Main.run("encode", "--model", model, "--input", jsonl("{\"input_ids\": [101, 512, 102]}").toString()));
    assertEquals(Main.FAILED, Main.run("encode", "--model", model, "--input", jsonl("{\"input_ids\": [101, -3]}").toString()));
    assertEquals(Main.FAILED, Main.run("encode", "--model", model, "--input", jsonl("{\"text\": \"ok\"}", "{not json").toString()));
    StringBuilder tooLong = new StringBuilder("{\"input_ids\": [101");
    for (int i = 0; i < 140; i++) {
      tooLong.append(", 171");
    }
    assertEquals(Main.FAILED, Main.run("encode", "--model", model, "--input", jsonl(tooLong + "]}").toString()));
    assertEquals(Main.FAILED, Main.run("encode", "--model", dir.toString(), "--text", "x"));
    assertEquals(Main.USAGE, Main.run("encode", "--model", model, "--text", "x", "--backend", "no-such-backend"));
    assertEquals(Main.USAGE, Main.run("encode", "--model", model));
    assertEquals(Main.USAGE, Main.run("encode", "--model", model, "--text", "x", "--max-length", "100000"));
    assertEquals(Main.FAILED, Main.run("fill-mask", "--model", model, "--text", "a [MASK] b"), "tiny has no MLM head");
    Path garbage = dir.resolve("garbage");
    Files.createDirectories(garbage);
    for (String f : new String[] {"config.json", "vocab.txt", "tokenizer_config.json"}) {
      Files.copy(refs("synthetic-bert-tiny").resolve(f), garbage.resolve(f));
    }
    Files.write(garbage.resolve("model.safetensors"), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, '{', '}'});
    assertEquals(Main.FAILED, Main.run("embed", "--model", garbage.toString(), "--text", "x"));
  }

  @Test
  void encodeWritesAttentionsAndHiddenStatesPerLayer() throws IOException {
    Path out = dir.resolve("attn.json");
    assertEquals(0, Main.run("encode", "--model", refs("synthetic-bert-tiny").toString(), "--text", "the cat", "--text", "a dog sat here",
        "--attentions", "--hidden-states", "--output", out.toString(), "--backend", "java"));
    JsonNode got = JSON.readTree(out.toFile());
    int seq = got.path("input_ids").get(0).size();
    JsonNode attn = got.path("attentions");
    assertEquals(3, attn.size(), "layers");
    assertEquals(2, attn.get(0).size(), "batch");
    assertEquals(4, attn.get(0).get(0).size(), "heads");
    assertEquals(seq, attn.get(0).get(0).get(0).size());
    assertEquals(seq, attn.get(0).get(0).get(0).get(0).size());
    double rowSum = 0;
    for (JsonNode p : attn.get(2).get(1).get(3).get(0)) {
      rowSum += p.asDouble();
    }
    assertEquals(1.0, rowSum, 1e-5, "a probability row sums to 1");
    JsonNode hidden = got.path("hidden_states");
    assertEquals(4, hidden.size(), "embeddings + 3 layers");
    assertEquals(got.path("last_hidden_state"), hidden.get(3));
  }

  @Test
  void tokenizeJsonWritesOneParsableObjectPerLine() throws IOException {
    Path input = jsonl("{\"text\": \"Zürich, the cat!\"}", "{\"text\": \"a\", \"text_pair\": \"b c\"}", "{\"text\": \"hello\"}");
    CliRun.Captured run = capture(false, "tokenize", "--model", refs("synthetic-bert-tiny").toString(), "--input", input.toString(), "--json");
    assertEquals(0, run.status());
    String[] lines = run.text().split("\n");
    assertEquals(3, lines.length);
    for (String line : lines) {
      assertTrue(line.startsWith("{") && line.endsWith("}"), line);
      assertTrue(JSON.readTree(line).isObject(), line);
    }
    assertEquals(List.of(0, 0, 0, 1, 1, 1), toInts(JSON.readTree(lines[1]).path("token_type_ids")));
  }

  @Test
  void truncationIsReportedOnStderr() throws IOException {
    Path input = jsonl("{\"text\": \"one two three four five six\"}", "{\"text\": \"short\"}");
    CliRun.Captured run = capture(true, "tokenize", "--model", refs("synthetic-bert-tiny").toString(), "--input", input.toString(), "--max-length", "4");
    assertEquals(0, run.status());
    String text = run.text();
    assertTrue(text.contains(input + ":1: truncated to 4 tokens"), text);
    assertTrue(!text.contains(input + ":2:"), text);
  }

  private static List<Integer> toInts(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    array.forEach(n -> out.add(n.intValue()));
    return out;
  }

  @Test
  void headsCommandsRunOnTheSyntheticHeadsCheckpoint() {
    String heads = refs("synthetic-bert-heads/heads").toString();
    assertEquals(0, Main.run("fill-mask", "--model", heads, "--text", "The quick brown fox [MASK] over the lazy dog.", "--json", "--top-k", "3"));
    assertEquals(0, Main.run("qa", "--model", heads, "--question", "who is here", "--context", "the cat is here today", "--json"));
    assertEquals(0, Main.run("tokenize", "--model", heads, "--text", "Zürich, the cat!", "--json"));
    assertEquals(0, Main.run("backends", "--json"));
  }
}
