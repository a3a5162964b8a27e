package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.BertTokenizer;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden tokenizations of every reference model (the bge ones have no weights here, but their tokens are
 * golden too), from {@code vocab.txt} + {@code tokenizer_config.json} and from {@code tokenizer.json} alone.
 */
class TokenizerGoldenTest {
  @TempDir Path dir;

  @TestFactory
  Stream<DynamicTest> everyModelBothTokenizerFiles() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (String model : List.of("all-MiniLM-L6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5")) {
      Path src = Refs.model(model);
      Path jsonOnly = Files.createDirectories(dir.resolve(model));
      Files.copy(src.resolve("tokenizer.json"), jsonOnly.resolve("tokenizer.json"));
      BertTokenizer fromVocab = BertTokenizer.load(src);
      BertTokenizer fromJson = BertTokenizer.load(jsonOnly);
      int maxLength = Refs.json(src.resolve("config.json")).path("max_position_embeddings").asInt();
      for (Path c : Refs.cases(src.resolve("golden/public"))) {
        JsonNode g = Refs.json(c);
        for (var t : List.of(new Object[] {"vocab.txt", fromVocab}, new Object[] {"tokenizer.json", fromJson})) {
          tests.add(dynamicTest(model + "/" + c.getFileName() + " from " + t[0], () -> check((BertTokenizer) t[1], g, maxLength)));
        }
      }
    }
    return tests.stream();
  }

  /**
   * The synthetic checkpoints' goldens, encoded as batches (padding, pairs, question + context): ids, types, masks,
   * and character offsets where the golden has them (the task-head cases).
   */
  @TestFactory
  Stream<DynamicTest> syntheticCheckpointsBatchesAndOffsets() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    Path tiny = Refs.model("synthetic-bert-tiny");
    for (Path c : Refs.cases(tiny.resolve("golden/public"))) {
      tests.add(dynamicTest("synthetic-bert-tiny/" + c.getFileName(), () -> checkBatch(BertTokenizer.load(tiny), Refs.json(c))));
    }
    Path heads = Refs.model("synthetic-bert-heads");
    for (String[] task : new String[][] {{"mlm", "heads"}, {"nsp", "heads"}, {"qa", "heads"}, {"seqcls", "seqcls"}, {"tokcls", "tokcls"}}) {
      for (Path c : Refs.cases(heads.resolve("golden/public/" + task[0]))) {
        tests.add(dynamicTest(task[0] + "/" + c.getFileName(), () -> checkBatch(BertTokenizer.load(heads.resolve(task[1])), Refs.json(c))));
      }
    }
    return tests.stream();
  }

  private static void checkBatch(BertTokenizer tok, JsonNode g) {
    BatchEncoding enc = Refs.encode(tok, g, 128);
    List<List<String>> expected = Refs.strings(g.path("tokens"));
    for (int b = 0; b < expected.size() && g.has("lengths"); b++) {
      List<String> got = enc.encodings().get(b).tokens().stream().map(Token::text).toList();
      assertEquals(expected.get(b).subList(0, g.path("lengths").get(b).asInt()), got, "tokens of row " + b);
    }
    assertArrayEquals(Refs.ints(g.path("input_ids")), enc.inputIds(), "input_ids");
    assertArrayEquals(Refs.ints(g.path("token_type_ids")), enc.typeIds(), "token_type_ids");
    if (g.has("attention_mask")) {
      assertArrayEquals(Refs.ints(g.path("attention_mask")), enc.attentionMask(), "attention_mask");
    }
    JsonNode offsets = g.path("offsets");
    for (int b = 0; b < enc.batch() && offsets.isArray(); b++) {
      List<Token> tokens = enc.encodings().get(b).tokens();
      for (int s = 0; s < tokens.size(); s++) {
        JsonNode o = offsets.get(b).get(s);
        assertEquals(o.get(0).asInt() + "," + o.get(1).asInt(), tokens.get(s).start() + "," + tokens.get(s).end(), "offset of token " + s + " of row " + b);
      }
    }
  }

  private static void check(BertTokenizer tok, JsonNode g, int maxLength) {
    List<List<String>> tokens = Refs.strings(g.path("tokens"));
    int[][] ids = Refs.ints(g.path("input_ids"));
    for (int b = 0; b < tokens.size(); b++) {
      JsonNode in = g.path("inputs").get(b);
      Encoding e = tok.encode(in.path("text").asText(), Refs.textOrNull(in.get("text_pair")), maxLength);
      int len = g.path("lengths").get(b).asInt();
      assertEquals(tokens.get(b).subList(0, len), e.tokens().stream().map(Token::text).toList(), "tokens of row " + b);
      assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(ids[b], len)), java.util.Arrays.toString(e.ids()), "ids of row " + b);
    }
  }
}
